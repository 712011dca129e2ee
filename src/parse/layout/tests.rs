//! End-to-end tests of the layout reader on pdftotext -layout text.

use super::*;
use crate::parse::SourceLines;

fn rebuild(text: &str, title: &str) -> Grid {
    let text = text.strip_prefix('\n').unwrap_or(text);
    super::rebuild(&SourceLines::new(text).lines(), title).unwrap()
}

fn cells(r: &Row) -> Vec<Option<&str>> {
    r.cells.iter().map(|c| c.as_deref()).collect()
}

#[test]
fn split_code_columns_and_spanning_header() {
    let text = r"
                     项目                                           收入预算
功能分类科目编码                                                                        事业单位
                       功能分类科目名称       合计           财政拨款收入          事业收入                   其他收入
类     款    项                                                                    经营收入
204             公共安全支出               87267272.44    87267272.44          0.00      0.00      0.00
204   06        司法                   87267272.44    87267272.44          0.00      0.00      0.00
204   06   01   行政运行                 16726725.44    16726725.44          0.00      0.00      0.00
                     合计              96282213.44    96282213.44          0.00      0.00      0.00";
    let g = rebuild(text, "2026年部门收入预算总表");
    assert_eq!(
        g.columns,
        [
            "项目/功能分类科目编码/类",
            "项目/功能分类科目编码/款",
            "项目/功能分类科目编码/项",
            "项目/功能分类科目名称",
            "收入预算/合计",
            "收入预算/财政拨款收入",
            "收入预算/事业收入",
            "收入预算/事业单位经营收入",
            "收入预算/其他收入"
        ]
    );
    assert_eq!(g.rows.len(), 4);
    assert_eq!(
        cells(&g.rows[1]),
        [
            Some("204"),
            Some("06"),
            None,
            Some("司法"),
            Some("87267272.44"),
            Some("87267272.44"),
            Some("0.00"),
            Some("0.00"),
            Some("0.00")
        ]
    );
    assert_eq!(cells(&g.rows[3])[3], Some("合计"));
}

#[test]
fn two_sided_table_with_tall_cells() {
    // pdftotext -layout of a Jiangsu 公开01表, as printed.
    let text = r"

           收入                                   支出

                                     功能分类                    支出用途
    项目名称          金额
                                 功能科目名称       金额         项目名称         金额

一、财政拨款          21,940.96   一、一般公共服务支出                  一、基本支出      13,994.31

    1.一般公共预
                21,940.96   二、外交支出                      二、项目支出       5,573.00
算
    2.政府性基金                                             三、单位预留机动
                            三、国防支出                                   2,388.04
预算                                                      经费
二、财政专户管理
                            四、公共安全支出        16,458.75
资金

三、其他资金             14.39    五、教育支出

                            六、科学技术支出

                            七、文化体育与传媒支出

                            八、社会保障和就业支出      1,836.22

                            九、医疗卫生与计划生育
                            支出

                            十、节能环保支出";
    let g = rebuild(text, "收支预算总表");
    assert_eq!(
        g.columns,
        [
            "收入/项目名称",
            "收入/金额",
            "支出/功能分类/功能科目名称",
            "支出/功能分类/金额",
            "支出/支出用途/项目名称",
            "支出/支出用途/金额"
        ]
    );
    let rows: Vec<Vec<Option<&str>>> = g.rows.iter().map(cells).collect();
    let row = |a: &'static str, b, c, d, e, f| -> Vec<Option<&'static str>> {
        [a, b, c, d, e, f]
            .into_iter()
            .map(|x| (!x.is_empty()).then_some(x))
            .collect()
    };
    assert_eq!(
        rows,
        [
            row(
                "一、财政拨款",
                "21,940.96",
                "一、一般公共服务支出",
                "",
                "一、基本支出",
                "13,994.31"
            ),
            row(
                "1.一般公共预算",
                "21,940.96",
                "二、外交支出",
                "",
                "二、项目支出",
                "5,573.00"
            ),
            row(
                "2.政府性基金预算",
                "",
                "三、国防支出",
                "",
                "三、单位预留机动经费",
                "2,388.04"
            ),
            row(
                "二、财政专户管理资金",
                "",
                "四、公共安全支出",
                "16,458.75",
                "",
                ""
            ),
            row("三、其他资金", "14.39", "五、教育支出", "", "", ""),
            row("", "", "六、科学技术支出", "", "", ""),
            row("", "", "七、文化体育与传媒支出", "", "", ""),
            row("", "", "八、社会保障和就业支出", "1,836.22", "", ""),
            row("", "", "九、医疗卫生与计划生育支出", "", "", ""),
            row("", "", "十、节能环保支出", "", "", ""),
        ]
    );
}

#[test]
fn subtotal_opens_the_group_of_the_word_above() {
    // pdftotext -layout of a Yantai 项目支出预算情况表: header words one
    // space apart, wrapped over lines, 小计 under 财政拨款 after 合计.
    let text = r#"

                                                                    财政拨款
                                                                                       财政专户管                     使用非财政
                项目名称           项目类别    合计                      一般公共预 政府性基金 国有资本经        理资金         单位资金         拨款结余    上年结转
                                                   小计            算    预算    营预算
合   计                                 133,705.19   51,908.37    49,549.69   2,358.68    62,466.06    19,330.76

实施公车统管                        其他运转类        45.00       45.00        45.00

公办学生应配未配教职工工资经费（青华中学）         其他运转类     1,000.00    1,000.00     1,000.00

农校人员工资福利经费                    其他运转类     4,100.00    4,100.00     4,100.00

校地融合发展专项资金                    特定目标类     5,000.00    5,000.00     5,000.00

教育发展专项资金（市本级海员职专免学费）          特定目标类       225.25      225.25       225.25

教育发展专项资金（市本级海员职专助学金）          特定目标类        12.42       12.42        12.42

教育发展专项资金（市本级一般公共预算)           特定目标类       962.35      962.35       962.35

教育发展专项资金（市本级政府性基金)            特定目标类       120.00      120.00                  120.00

新建学校建设等资金                     特定目标类       250.00      250.00       250.00

支持中农大发展项目资金                   特定目标类     5,000.00    5,000.00     5,000.00

运转补助经费（非三保）                   其他运转类       180.00      180.00       180.00

生均公用经费（非三保）                   其他运转类       129.60      129.60       129.60

安保经费                          其他运转类        41.58       41.58        41.58

外聘人员经费                        其他运转类       658.85      658.85       658.85

学生资助补助资金-学前教育幼儿资助             特定目标类        11.52       11.52        11.52

学生资助补助资金（非三保）                 特定目标类         1.71        1.71         1.71

设备购置和维修改造资金                   特定目标类        82.00       82.00        82.00

生均公用经费及运转补助-城乡义务教育生均公用经费-初中   其他运转类       440.20      440.20       440.20
"#;
    let g = rebuild(text, "项目支出预算情况表");
    assert_eq!(
        g.columns,
        [
            "项目名称",
            "项目类别",
            "合计",
            "财政拨款/小计",
            "财政拨款/一般公共预算",
            "财政拨款/政府性基金预算",
            "财政拨款/国有资本经营预算",
            "财政专户管理资金",
            "单位资金",
            "使用非财政拨款结余",
            "上年结转"
        ]
    );
    assert_eq!(cells(&g.rows[0])[2], Some("133,705.19"));
    assert_eq!(cells(&g.rows[0])[3], Some("51,908.37"));
    assert_eq!(
        cells(&g.rows[2])[0],
        Some("公办学生应配未配教职工工资经费（青华中学）")
    );
}

#[test]
fn amount_wrapped_in_its_cell_gets_its_digits_back() {
    // pdftotext -layout of a Hangzhou 支出预算总表: 576,171.11 too wide
    // for its cell, its last digit on the line below.
    let text = r#"
部门名称：杭州市交通运输局单位:万元
                                                           基本支出                                          对附属单
                                                                                            事业单位   上缴上
                  功能分类科目名称          总计                           日常公用支        项目支出                       位补助支
                                                     人员支出                                   经营支出   级支出
                                                                   出                                       出
                     **              1                 2           3             4           5      6     7
                                                                              576,171.1
合计                                  665,964.37       73,924.43   15868.83
                                                                                        1
一般公共服务支出                             6,701.98                                  6,701.98
 社会工作事务                                       1.98                                   1.98"#;
    let g = rebuild(text, "2026年市级部门支出预算总表");
    let total = g
        .rows
        .iter()
        .find(|r| r.cells.iter().any(|c| c.as_deref() == Some("合计")))
        .unwrap();
    assert!(cells(total).contains(&Some("576,171.11")));
    assert!(cells(total).contains(&Some("665,964.37")));
    assert!(g
        .rows
        .iter()
        .all(|r| r.cells.iter().all(|c| c.as_deref() != Some("1"))));
}

#[test]
fn code_of_a_tall_row_with_its_label_above_and_below() {
    // pdftotext -layout of a Fuzhou 一般公共预算拨款支出预算表.
    let text = r#"
                                                    单位：万元

                                               其中：
科目编码           科目名称          小计
                                         基本支出       项目支出
               合计            351904.90    7841.26    344063.64
  208         社会保障和就业支出        1073.21    1073.21
 20805       行政事业单位养老支出        1073.21    1073.21
2080501         行政单位离退休         178.51     178.51
2080502         事业单位离退休          64.40      64.40
          机关事业单位基本养老保险缴费支
2080505                         553.54     553.54
                    出
2080506   机关事业单位职业年金缴费支出        276.76     276.76
  210            卫生健康支出      349680.44    5616.80    344063.64
 21012    财政对基本医疗保险基金的补助     333412.14               333412.14"#;
    let g = rebuild(text, "2026 年度一般公共预算拨款支出预算表");
    let row = g
        .rows
        .iter()
        .find(|r| r.cells[0].as_deref() == Some("2080505"))
        .unwrap();
    assert_eq!(
        cells(row)[..3],
        [
            Some("2080505"),
            Some("机关事业单位基本养老保险缴费支出"),
            Some("553.54")
        ]
    );
}

#[test]
fn codes_of_the_lowest_level_are_not_the_labels_indent() {
    // pdftotext -layout of a Changsha 部门收入总体情况表: the labels of rows
    // with a 项 code stand further right than the others, and the 项 codes
    // stand where the other labels start.
    let text = r"
 类    款    项           功能科目   合计          金额           其中:经费拨款
                合计            1,935.36     1,935.36       1,935.36

201             一般公共服务支出      1,935.36     1,935.36       1,935.36

      40         信访事务         1,935.36     1,935.36       1,935.36

201   40   01        行政运行     1,517.95     1,517.95       1,517.95

201   40   04        信访业务         417.41       417.41       417.41";
    let g = rebuild(text, "2026年部门收入总体情况表");
    let row = |label: &str| {
        g.rows
            .iter()
            .find(|r| r.cells.iter().any(|c| c.as_deref() == Some(label)))
            .map(cells)
            .unwrap()
    };
    assert_eq!(
        row("行政运行")[..5],
        [
            Some("201"),
            Some("40"),
            Some("01"),
            Some("行政运行"),
            Some("1,517.95")
        ]
    );
    assert_eq!(
        row("合计")[..5],
        [None, None, None, Some("合计"), Some("1,935.36")]
    );
}

#[test]
fn table_printed_empty_takes_its_columns_from_the_header() {
    // No amount anywhere, so no data columns: the header leaves are the
    // columns, the bare 合计 goes in the name column, and the page number
    // under the table is no row.
    let text = r"
               项目                   政府性基金预算支出
 功能分类科目编码
                    功能分类科目名称   合计     基本支出      项目支出
 类   款   项
 无

               合计

                                         19";
    let g = rebuild(text, "2025年预算单位政府性基金预算支出功能分类预算表");
    assert_eq!(
        g.columns,
        [
            "项目/功能分类科目编码/类",
            "项目/功能分类科目编码/款",
            "项目/功能分类科目编码/项",
            "项目/功能分类科目名称",
            "政府性基金预算支出/合计",
            "政府性基金预算支出/基本支出",
            "政府性基金预算支出/项目支出"
        ]
    );
    let rows: Vec<_> = g.rows.iter().map(cells).collect();
    assert_eq!(
        rows,
        [
            [Some("无"), None, None, None, None, None, None],
            [None, None, None, Some("合计"), None, None, None]
        ]
    );
}

#[test]
fn header_without_a_total_under_it_is_no_table() {
    let text = r"
        功能科目代码                    功能科目名称                           金额
      此表为空";
    assert!(super::rebuild(&SourceLines::new(text).lines(), "政府性基金支出预算表").is_none());
}

#[test]
fn right_side_code_printed_above_its_label() {
    let text = r"
经济分类                              经济分类
            科目名称       决算数                      科目名称      决算数
科目编码                              科目编码
301     工资福利支出          4816.14   302     商品和服务支出         440.90
30101    基本工资            537.64   30201    办公费             84.62
30102    津贴补贴            987.86   30202    印刷费              0.00
30109    职业年金缴费          225.12   30207
                                     邮电费                    8.05
30110    职工基本医疗保险缴费    236.63     30208
                                     取暖费                    0.00
30399    其他对个人和家庭的补助     0.00     30240
                                     税金及附加费用                0.00
                                  30299
                                     其他商品和服务支出             28.86
                                  310
                                    资本性支出                  39.76
                                  31001
                                     房屋建筑物购建                0.00";
    let g = rebuild(text, "一般公共预算财政拨款基本支出决算表");
    assert_eq!(g.columns.len(), 6);
    let rows: Vec<Vec<Option<&str>>> = g.rows.iter().map(cells).collect();
    assert_eq!(rows.len(), 9);
    assert_eq!(
        rows[3],
        [
            Some("30109"),
            Some("职业年金缴费"),
            Some("225.12"),
            Some("30207"),
            Some("邮电费"),
            Some("8.05")
        ]
    );
    // The lone 类 code heads its 款 codes: a row, not a page number.
    assert_eq!(
        rows[7],
        [
            None,
            None,
            None,
            Some("310"),
            Some("资本性支出"),
            Some("39.76")
        ]
    );
}

#[test]
fn heading_below_a_row_of_amounts_only_is_not_a_cell() {
    let text = r"
                                 “三公”经费预算数
                                                                             机关运行经费预算
                                                 公务用车购置及运行费
                                                                                 数
   合计           因公出国(境)费       公务接待费
                                          小计          购置费       运行费

        10.81              0       0.83        9.98         0         9.98        217.83
                              其他相关情况说明";
    let g = rebuild(text, "2026年部门“三公”经费和机关运行经费预算表");
    // The tall name beside the top word is not under it.
    assert_eq!(g.columns[6], "机关运行经费预算数");
    assert_eq!(g.columns[3], "“三公”经费预算数/公务用车购置及运行费/小计");
    assert_eq!(g.rows.len(), 1);
    assert_eq!(
        cells(&g.rows[0]),
        [
            Some("10.81"),
            Some("0"),
            Some("0.83"),
            Some("9.98"),
            Some("0"),
            Some("9.98"),
            Some("217.83")
        ]
    );
}

#[test]
fn flattened_rows_with_double_spaces_are_not_layout() {
    let flat = "301 工资福利支出 4816.14 302 商品和服务支出 440.90
30101   基本工资 537.64 30201   办公费 84.62
30102   津贴补贴 987.86 30202   印刷费 0.00
30103   奖金 0.00 30203   咨询费 0.00
30106   伙食补助费 0.00 30204   手续费 0.08";
    let layout = "301     工资福利支出          4816.14   302     商品和服务支出         440.90
30101    基本工资            537.64   30201    办公费             84.62
30102    津贴补贴            987.86   30202    印刷费              0.00
30103    奖金                0.00   30203    咨询费              0.00";
    assert!(!is_layout(&SourceLines::new(flat).lines()));
    assert!(is_layout(&SourceLines::new(layout).lines()));
}

#[test]
fn labels_of_tall_cells_over_three_lines() {
    let text = r"
          项目

                       合计          基本支出       项目支出
 功能分类
               科目名称
 科目编码

           社会保障和就
208                     754.75       754.75      0.00
           业支出
           事业单位离退
2080502                  28.11        28.11      0.00
           休
           机关事业单位
2080505    基本养老保险       446.11       446.11      0.00
           缴费支出";
    let g = rebuild(text, "一般公共预算财政拨款支出决算表");
    let labels: Vec<Option<&str>> = g.rows.iter().map(|r| cells(r)[1]).collect();
    assert_eq!(
        labels,
        [
            Some("社会保障和就业支出"),
            Some("事业单位离退休"),
            Some("机关事业单位基本养老保险缴费支出")
        ]
    );
    assert_eq!(g.columns[1], "项目/科目名称");
}

#[test]
fn two_sided_top_words_head_their_sides() {
    // 02: 收入 stands over 决算数 as much as over 项目, and the right
    // side's CJK header lines count narrower than they print; each top
    // word heads the side that starts at its label column. 08: 财政拨款支出
    // right over 一般公共预算 is a spanning word, not one wrapped cell.
    let text = r"
               收入                                 支出
                                                           一般公共      政府性基    国有资本
        项目          决算数                  项目      合计        预算财政      金预算财    经营预算
                                                            拨款       政拨款     财政拨款
一、一般公共预算财政拨款          9746.50   一、一般公共服务支出      9746.50      9746.50        0.00        0.00
二、政府性基金预算财政拨款           0.00   二、外交支出               0.00         0.00        0.00        0.00
收入总计                       9746.50   支出总计                 9746.50      9746.50        0.00        0.00";
    let g = rebuild(text, "财政拨款收入支出决算总表");
    assert_eq!(
        g.columns,
        [
            "收入/项目",
            "收入/决算数",
            "支出/项目",
            "支出/合计",
            "支出/一般公共预算财政拨款",
            "支出/政府性基金预算财政拨款",
            "支出/国有资本经营预算财政拨款"
        ]
    );
    let text = r"
         财政拨款收入                                             财政拨款支出

    项目            预算数               项目           合计          一般公共预算         政府性基金预算 国有资本经营预算

一、一般公共预算资金        164,978,640 一、一般公共服务支出        2,976,800       2,976,800

二、政府性基金                         二、公共安全支出        1,252,300       1,252,300

收入总计                  164,978,640 支出总计                164,978,640     164,978,640";
    let g = rebuild(text, "2023年部门财政拨款收支预算总表");
    assert_eq!(
        g.columns,
        [
            "财政拨款收入/项目",
            "财政拨款收入/预算数",
            "财政拨款支出/项目",
            "财政拨款支出/合计",
            "财政拨款支出/一般公共预算",
            "财政拨款支出/政府性基金预算",
            "财政拨款支出/国有资本经营预算"
        ]
    );
}

#[test]
fn tall_cell_wrapped_around_the_line_of_its_neighbours() {
    // 附属单位 … 上缴收入 stands a line above and below the line of 经营收入
    // and 其他收入: one cell beside them, and the columns no row fills keep
    // their names.
    let text = r"
            项目

                                                                         附属单位
  功能分类                    本年收入合计      财政拨款收入      上级补助收入   事业收入   经营收入          其他收入
                 科目名称                                                    上缴收入
  科目编码


            合计              9746.50     9746.50
208       社会保障和就业支出          754.75      754.75";
    let g = rebuild(text, "收入决算表");
    assert_eq!(
        g.columns,
        [
            "项目/功能分类科目编码",
            "项目/科目名称",
            "本年收入合计",
            "财政拨款收入",
            "上级补助收入",
            "事业收入",
            "经营收入",
            "附属单位上缴收入",
            "其他收入"
        ]
    );
    assert_eq!(
        cells(&g.rows[1])[..4],
        [
            Some("208"),
            Some("社会保障和就业支出"),
            Some("754.75"),
            Some("754.75")
        ]
    );
}

#[test]
fn empty_table_with_its_total_on_the_last_header_line() {
    let text = r"
         项目
                   年初结转和                                  年末结转和
  功能分类                       本年收入           本年支出
          科目名称      结余                                      结余
  科目编码

         合计                           合计    基本支出   项目支出";
    let g = rebuild(text, "政府性基金预算财政拨款收入支出决算表");
    assert_eq!(
        g.columns,
        [
            "项目/功能分类科目编码",
            "项目/科目名称",
            "年初结转和结余",
            "本年收入",
            "本年支出/合计",
            "本年支出/基本支出",
            "本年支出/项目支出",
            "年末结转和结余"
        ]
    );
    assert_eq!(g.rows.len(), 1);
    assert_eq!(cells(&g.rows[0])[1], Some("合计"));
}

#[test]
fn three_public_expenditures_beside_meetings_and_training() {
    // “三公”经费 spans its three items only: 合计, 会议费 and 培训费 stand
    // beside it, the full height of the header.
    let text = r"
                                 “三公”经费

                                 公务用车购置及运行维护费
                                                                   会议
      合计                                                                     培训费
                      因公出国                                公务接        费
             小计                                 公务用车
                      （境）费               公务用车             待费
                                小计              运行维护
                                          购置费
                                                 费


  1,384.74   484.30    100.00   267.80           267.80   116.50   200.44     700.00";
    let g = rebuild(text, "一般公共预算“三公”经费、会议费、培训费支出预算表");
    assert_eq!(
        g.columns,
        [
            "合计",
            "“三公”经费/小计",
            "“三公”经费/因公出国（境）费",
            "“三公”经费/公务用车购置及运行维护费/小计",
            "“三公”经费/公务用车购置及运行维护费/公务用车购置费",
            "“三公”经费/公务用车购置及运行维护费/公务用车运行维护费",
            "“三公”经费/公务接待费",
            "会议费",
            "培训费"
        ]
    );
    assert_eq!(cells(&g.rows[0])[4], None);
    assert_eq!(cells(&g.rows[0])[5], Some("267.80"));
}
