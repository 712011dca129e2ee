//! The publishing government of real reports from four levels and two
//! provinces plus the four samples: the full region row and the partition,
//! through the same processing a run does (metadata from the content,
//! resolved against config/divisions.tsv).

use fiscal_etl::config::Config;
use fiscal_etl::model::{AdminLevel, MetaSource, ReportType, Scope, Status};
use fiscal_etl::pipeline::{process_bytes, Knowledge, ReportContext};
use std::path::Path;

struct Want {
    file: &'static str,
    department: &'static str,
    province: &'static str,
    city: Option<&'static str>,
    county: Option<&'static str>,
    township: Option<&'static str>,
    level: AdminLevel,
    code: &'static str,
    partition: &'static str,
    scope: Scope,
}

const fn want(
    file: &'static str,
    department: &'static str,
    (province, city, county, township): (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    ),
    level: AdminLevel,
    code: &'static str,
    partition: &'static str,
    scope: Scope,
) -> Want {
    Want {
        file,
        department,
        province,
        city,
        county,
        township,
        level,
        code,
        partition,
        scope,
    }
}

const SH: Option<&str> = Some("上海市");
const PUTUO: Option<&str> = Some("普陀区");

#[test]
fn region_rows_of_real_reports_and_samples() {
    use AdminLevel::*;
    let cases = [
        want(
            "data/raw/000_7e5bca9fcb7b40a5.txt",
            "清远市医疗保障局",
            ("广东省", Some("清远市"), None, None),
            City,
            "441800",
            "city=qingyuan/year=2025/report_type=budget",
            Scope::Department,
        ),
        want(
            "data/raw/002_c902f1b07777cdfc.txt",
            "广州市医疗保障局",
            ("广东省", Some("广州市"), None, None),
            City,
            "440100",
            "city=guangzhou/year=2021/report_type=budget",
            Scope::Department,
        ),
        want(
            "data/raw/003_e2aa0d4e68ff0396.txt",
            "江门市医疗保障局（本级）",
            ("广东省", Some("江门市"), None, None),
            City,
            "440700",
            "city=jiangmen/year=2024/report_type=budget",
            Scope::Department,
        ),
        want(
            "data/raw/004_54921d8d96e87ec6.txt",
            "廉江市医疗保障局",
            ("广东省", Some("湛江市"), Some("廉江市"), None),
            County,
            "440881",
            "city=zhanjiang/year=2023/report_type=final_accounts",
            Scope::Department,
        ),
        want(
            "tests/fixtures/real/02_sh_putuo_ghzy_2024_final.txt",
            "上海市普陀区规划和自然资源局",
            ("上海市", SH, PUTUO, None),
            County,
            "310107",
            "city=shanghai/year=2024/report_type=final_accounts",
            Scope::Department,
        ),
        want(
            "tests/fixtures/real/04_sh_city_czj_2025_unit_budget.txt",
            "上海市财政局",
            ("上海市", SH, None, None),
            Province,
            "310000",
            "city=shanghai/year=2025/report_type=budget",
            Scope::Unit,
        ),
        want(
            "tests/fixtures/real/05_sh_putuo_sfj_2026_dept_budget.txt",
            "上海市普陀区司法局",
            ("上海市", SH, PUTUO, None),
            County,
            "310107",
            "city=shanghai/year=2026/report_type=budget",
            Scope::Department,
        ),
        want(
            "tests/fixtures/real/08_sh_putuo_wanli_2023_dept_budget.txt",
            "上海市普陀区人民政府万里街道办事处",
            ("上海市", SH, PUTUO, Some("万里街道")),
            Township,
            "310107021",
            "city=shanghai/year=2023/report_type=budget",
            Scope::Department,
        ),
        want(
            "tests/fixtures/real/12_js_jianchayuan_2018_dept_budget.txt",
            "江苏省人民检察院",
            ("江苏省", None, None, None),
            Province,
            "320000",
            "city=jiangsu/year=2018/report_type=budget",
            Scope::Department,
        ),
        want(
            "tests/fixtures/real/13_js_zhengxie_2019_budget_tables.txt",
            "江苏省政协办公厅",
            ("江苏省", None, None, None),
            Province,
            "320000",
            "city=jiangsu/year=2019/report_type=budget",
            Scope::Department,
        ),
    ];
    let (config, know) = (Config::builtin(), Knowledge::default());
    let cx = ReportContext::new(&config, &know);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for w in &cases {
        let bytes = std::fs::read(root.join(w.file)).unwrap();
        let name = Path::new(w.file).file_name().unwrap().to_str().unwrap();
        let r = process_bytes(name, &bytes, &cx);
        let g = &r.meta.government;
        assert_eq!(
            r.meta.department.as_deref(),
            Some(w.department),
            "{}",
            w.file
        );
        assert_eq!(
            (
                g.province.as_deref(),
                g.city.as_deref(),
                g.county.as_deref(),
                g.township.as_deref(),
                g.level,
                g.code.as_deref(),
            ),
            (
                Some(w.province),
                w.city,
                w.county,
                w.township,
                Some(w.level),
                Some(w.code),
            ),
            "{}",
            w.file
        );
        assert_eq!(r.meta.scope, Some(w.scope), "{}", w.file);
        assert!(r.warnings.is_empty(), "{}: {:?}", w.file, r.warnings);
        // A report that fails for its tables (issue of the grid rebuild)
        // is still filed where its metadata says; none fails for it.
        if r.status == Status::Failed {
            let e = r.error.as_deref().unwrap_or("");
            assert!(!e.contains("metadata missing"), "{e}");
        } else {
            assert_eq!(r.partition.rel_dir(), w.partition, "{}", w.file);
        }
    }
}

#[test]
fn a_year_only_the_file_name_states_comes_from_the_path() {
    let (config, know) = (Config::builtin(), Knowledge::default());
    let cx = ReportContext::new(&config, &know);
    let file = "tests/fixtures/real/13_js_zhengxie_2019_budget_tables.txt";
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let r = process_bytes("13_js_zhengxie_2019_budget_tables.txt", &bytes, &cx);
    assert_eq!(r.meta.year, Some(2019));
    assert_eq!(r.meta.sources.year, Some(MetaSource::Path));
    assert_eq!(r.meta.report_type, Some(ReportType::Budget));
    assert_eq!(r.meta.sources.report_type, Some(MetaSource::Content));
    // Under a hash name nothing states the year: failed, naming it.
    let r = process_bytes("9f3a7c.txt", &bytes, &cx);
    assert_eq!(r.status, Status::Failed);
    let e = r.error.unwrap();
    assert!(e.contains("report metadata missing: year not found"), "{e}");
}
