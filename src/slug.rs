//! Partition values. Content-derived text never reaches a path as it is:
//! a city becomes lowercase pinyin without its administrative suffix, and
//! anything outside `[a-z0-9_]` is replaced.

use crate::config::Config;
use pinyin::ToPinyin;

/// Administrative suffixes dropped from a city name, longest first.
const SUFFIXES: [&str; 8] = ["自治州", "自治县", "地区", "市", "县", "区", "盟", "旗"];

fn strip_suffix(name: &str) -> &str {
    for s in SUFFIXES {
        if let Some(rest) = name.strip_suffix(s) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    name
}

/// The partition slug of a city: an override from the configuration (by
/// full name or without its suffix) first, else the pinyin of the name
/// without its suffix, each character read as in place names where the
/// configuration says so.
pub fn city_slug(city_name: &str, config: &Config) -> String {
    let name = city_name.trim();
    let bare = strip_suffix(name);
    let overrides = &config.city_slugs;
    if let Some(s) = overrides.get(name).or_else(|| overrides.get(bare)) {
        return sanitize_partition_value(s);
    }
    let mut out = String::new();
    let mut buf = [0u8; 4];
    for (ch, py) in bare.chars().zip(bare.to_pinyin()) {
        match (config.place_readings.get(&*ch.encode_utf8(&mut buf)), py) {
            (Some(r), _) => out.push_str(r),
            (None, Some(p)) => out.push_str(p.plain()),
            (None, None) => out.push(ch.to_ascii_lowercase()),
        }
    }
    sanitize_partition_value(&out)
}

/// Keeps `[a-z0-9_]`, maps anything else to `_`, collapses and trims `_`;
/// never empty.
pub fn sanitize_partition_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    let t = out.trim_matches('_');
    if t.is_empty() {
        "_unknown".to_string()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_cities() {
        let none = Config::default();
        assert_eq!(city_slug("清远市", &none), "qingyuan");
        assert_eq!(city_slug("广州市", &none), "guangzhou");
        assert_eq!(city_slug("江门市", &none), "jiangmen");
        assert_eq!(city_slug("廉江市", &none), "lianjiang");
        assert_eq!(
            city_slug("连山壮族瑶族自治县", &none),
            "lianshanzhuangzuyaozu"
        );
    }

    #[test]
    fn overrides_win() {
        let mut o = Config::default();
        o.city_slugs
            .insert("重庆".to_string(), "chongqing".to_string());
        assert_eq!(city_slug("重庆市", &o), "chongqing");
    }

    #[test]
    fn place_readings_of_polyphonic_characters() {
        let c = Config::builtin();
        for (city, slug) in [
            ("成都市", "chengdu"),
            ("佛山市", "foshan"),
            ("佛冈县", "fogang"),
            ("都江堰市", "dujiangyan"),
            ("长沙市", "changsha"),
            ("长汀县", "changting"),
            ("重庆市", "chongqing"),
            ("六安市", "luan"),
            ("荥阳市", "xingyang"),
            ("单县", "shan"),
        ] {
            assert_eq!(city_slug(city, &c), slug, "{city}");
        }
        // Without the readings the crate's common reading shows through.
        assert_eq!(city_slug("成都市", &Config::default()), "chengdou");
    }

    #[test]
    fn nothing_unsafe_reaches_a_path() {
        let none = Config::default();
        assert_eq!(sanitize_partition_value("../etc/Passwd"), "etc_passwd");
        assert_eq!(sanitize_partition_value("///"), "_unknown");
        assert_eq!(city_slug("", &none), "_unknown");
        assert_eq!(city_slug("A/B市", &none), "a_b");
    }
}
