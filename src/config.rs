//! Run configuration (`config/fiscal-etl.toml`). Everything in it is
//! optional: a missing default file is an empty configuration.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// City name (with or without its 市/县/区 suffix) → partition slug,
    /// for names the pinyin crate reads wrongly (重庆 is chongqing, not
    /// zhongqing).
    #[serde(default)]
    pub city_slugs: BTreeMap<String, String>,
}

pub fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing config {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_parses() {
        let c = load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/fiscal-etl.toml"
        )))
        .unwrap();
        assert_eq!(
            c.city_slugs.get("重庆市").map(String::as_str),
            Some("chongqing")
        );
    }

    #[test]
    fn bad_config_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "city_slugs = 3").unwrap();
        let e = format!("{:#}", load(&p).unwrap_err());
        assert!(e.contains("bad.toml"), "{e}");
    }
}
