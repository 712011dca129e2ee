//! Run configuration (`config/fiscal-etl.toml`). The shipped file is built
//! into the binary as the defaults, so the partition of a report does not
//! depend on the directory a run starts from; a configuration file adds to
//! and overrides those entries.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The shipped configuration, compiled in.
pub const BUILTIN: &str = include_str!("../config/fiscal-etl.toml");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// City name (with or without its 市/县/区 suffix) → partition slug,
    /// for names the reading rules do not settle.
    #[serde(default)]
    pub city_slugs: BTreeMap<String, String>,
    /// Character → its reading in place names, where the pinyin crate's
    /// common reading is wrong for places (都 is du in 成都, not dou).
    #[serde(default)]
    pub place_readings: BTreeMap<String, String>,
}

impl Config {
    /// The built-in configuration alone.
    pub fn builtin() -> Config {
        parse(BUILTIN, "built-in configuration").expect("the shipped configuration parses")
    }

    /// The built-in entries, with `other`'s added over them.
    fn extended_by(mut self, other: Config) -> Config {
        self.city_slugs.extend(other.city_slugs);
        self.place_readings.extend(other.place_readings);
        self
    }
}

fn parse(text: &str, origin: &str) -> Result<Config> {
    let c: Config = toml::from_str(text).with_context(|| format!("parsing config {origin}"))?;
    if let Some((k, _)) = c
        .place_readings
        .iter()
        .find(|(k, _)| k.chars().count() != 1)
    {
        anyhow::bail!("parsing config {origin}: place_readings key {k:?} is not one character");
    }
    Ok(c)
}

/// The built-in configuration extended by the file at `path`.
pub fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))?;
    Ok(Config::builtin().extended_by(parse(&text, &path.display().to_string())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_is_built_in() {
        let c = Config::builtin();
        assert_eq!(
            c.city_slugs.get("重庆市").map(String::as_str),
            Some("chongqing")
        );
        assert_eq!(c.place_readings.get("都").map(String::as_str), Some("du"));
    }

    #[test]
    fn a_file_adds_to_and_overrides_the_built_in_entries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.toml");
        std::fs::write(
            &p,
            "[city_slugs]\n\"重庆市\" = \"cq\"\n\"某某县\" = \"mou\"\n",
        )
        .unwrap();
        let c = load(&p).unwrap();
        assert_eq!(c.city_slugs["重庆市"], "cq");
        assert_eq!(c.city_slugs["某某县"], "mou");
        assert_eq!(c.city_slugs["长沙市"], "changsha");
    }

    #[test]
    fn bad_config_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "city_slugs = 3").unwrap();
        let e = format!("{:#}", load(&p).unwrap_err());
        assert!(e.contains("bad.toml"), "{e}");
        std::fs::write(&p, "[place_readings]\n\"成都\" = \"chengdu\"\n").unwrap();
        let e = format!("{:#}", load(&p).unwrap_err());
        assert!(e.contains("not one character"), "{e}");
    }
}
