//! Partition values. Content-derived text never reaches a path as it is:
//! a city becomes lowercase pinyin without its administrative suffix, and
//! anything outside `[a-z0-9_]` is replaced.

use crate::config::Config;
use pinyin::ToPinyin;

/// Administrative suffixes dropped from a city name, longest first.
const SUFFIXES: [&str; 12] = [
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "林区",
    "省",
    "市",
    "县",
    "区",
    "盟",
    "旗",
];

/// The peoples named in autonomous divisions (连山壮族瑶族自治县), without
/// 族, longest first where one ends another (土家 before 土).
pub const PEOPLES: [&str; 57] = [
    "维吾尔",
    "乌孜别克",
    "柯尔克孜",
    "俄罗斯",
    "鄂温克",
    "鄂伦春",
    "达斡尔",
    "塔吉克",
    "塔塔尔",
    "哈萨克",
    "土家",
    "蒙古",
    "布依",
    "朝鲜",
    "哈尼",
    "傈僳",
    "高山",
    "拉祜",
    "东乡",
    "纳西",
    "景颇",
    "仫佬",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "德昂",
    "保安",
    "裕固",
    "独龙",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "回",
    "藏",
    "苗",
    "彝",
    "壮",
    "满",
    "侗",
    "瑶",
    "白",
    "傣",
    "黎",
    "佤",
    "畲",
    "水",
    "土",
    "羌",
    "怒",
    "京",
    "汉",
    "各",
];

/// `stem` without the peoples' names it ends with: 广西壮族 → 广西,
/// 连山壮族瑶族 → 连山, 新疆维吾尔 → 新疆 (printed without 族); never empty.
pub fn strip_peoples(stem: &str) -> &str {
    let mut s = stem;
    'outer: loop {
        let (rest, bare) = match s.strip_suffix('族') {
            Some(rest) => (rest, false),
            None => (s, true),
        };
        for p in PEOPLES {
            if bare && p != "维吾尔" {
                continue;
            }
            if let Some(r) = rest.strip_suffix(p) {
                if r.is_empty() {
                    break 'outer;
                }
                s = r;
                continue 'outer;
            }
        }
        break;
    }
    s
}

fn strip_suffix(name: &str) -> &str {
    for s in SUFFIXES {
        if let Some(rest) = name.strip_suffix(s) {
            if !rest.is_empty() {
                // An autonomous region reads as its place name alone
                // (广西壮族自治区 → guangxi); autonomous prefectures and
                // counties keep their peoples, as before.
                return if s == "自治区" {
                    strip_peoples(rest)
                } else {
                    rest
                };
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
            // ü (吕梁 lüliang) is written v, as pinyin keyboards do.
            (None, Some(p)) => {
                out.extend(p.plain().chars().map(|c| if c == 'ü' { 'v' } else { c }))
            }
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
    fn provinces_lose_their_suffix() {
        let c = Config::builtin();
        assert_eq!(city_slug("江苏省", &c), "jiangsu");
        assert_eq!(city_slug("广西壮族自治区", &c), "guangxi");
        assert_eq!(city_slug("新疆维吾尔自治区", &c), "xinjiang");
        assert_eq!(city_slug("内蒙古自治区", &c), "neimenggu");
        assert_eq!(city_slug("香港特别行政区", &c), "xianggang");
        assert_eq!(strip_peoples("连山壮族瑶族"), "连山");
        assert_eq!(strip_peoples("湘西土家族苗族"), "湘西");
        assert_eq!(strip_peoples("积石山保安族东乡族撒拉族"), "积石山");
        assert_eq!(strip_peoples("藏族"), "藏族");
        assert_eq!(city_slug("神农架林区", &c), "shennongjia");
        assert_eq!(city_slug("吕梁市", &c), "lvliang");
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
