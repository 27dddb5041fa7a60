//! The year in review's seven charts, each described once from the report ([`ChartData`]) in the
//! reader's language and shown three ways from that: an SVG ([`super::charts`]), the table
//! beside it, and its CSV file.

use super::charts::{self, Rgb, Series, Shape};
use super::Lang;
use crate::services::reports::YearReport;

/// One chart's numbers and words in one language: drawn as SVG, printed as a table, written as
/// CSV.
pub struct ChartData {
    /// Stable name: the CSV file's and the page anchor's.
    pub id: &'static str,
    pub title: String,
    pub category_desc: String,
    pub value_desc: String,
    pub shape: Shape,
    /// The chart's category labels (short).
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// The table's (and CSV's) header.
    pub columns: Vec<String>,
    /// The table's rows; the first cell names the row.
    pub rows: Vec<Vec<String>>,
}

/// The charts' names, in page order.
pub const CHART_IDS: &[&str] = &[
    "inspections",
    "violations",
    "checklist",
    "notices",
    "stars",
    "lists",
    "members",
];

fn one_series(name: &str, values: Vec<i64>, color: Rgb, bar_colors: Vec<Rgb>) -> Vec<Series> {
    vec![Series {
        name: name.to_string(),
        values,
        color,
        bar_colors,
    }]
}

/// The words of a chart: the catalogue keys of its title and its two axes.
struct Words {
    title: &'static str,
    category: &'static str,
    value: &'static str,
}

/// A simple category → count chart: the table is the labels and the numbers.
fn counts(
    id: &'static str,
    lang: Lang,
    words: Words,
    labels: Vec<String>,
    values: Vec<i64>,
    colors: Vec<Rgb>,
) -> ChartData {
    let value_desc = lang.t(words.value).to_string();
    let category_desc = lang.t(words.category).to_string();
    let rows = labels
        .iter()
        .zip(&values)
        .map(|(l, v)| vec![l.clone(), v.to_string()])
        .collect();
    ChartData {
        id,
        title: lang.t(words.title).to_string(),
        columns: vec![category_desc.clone(), value_desc.clone()],
        series: one_series(&value_desc, values, charts::ACCENT, colors),
        category_desc,
        value_desc,
        shape: Shape::Bars,
        labels,
        rows,
    }
}

/// An edition's short name: 第3期, No. 3.
fn edition_label(number: i32, lang: Lang) -> String {
    format!(
        "{}{number}{}",
        lang.t("editions-number-prefix"),
        lang.t("editions-number-suffix")
    )
}

/// Every chart of `r` in `lang`, in [`CHART_IDS`] order.
pub fn chart_data(r: &YearReport, lang: Lang) -> Vec<ChartData> {
    let words = |keys: &[&str]| -> Vec<String> { keys.iter().map(|k| lang.t(k).to_string()).collect() };
    let months: Vec<String> = lang.t("chart-month-names").split(',').map(String::from).collect();
    let mut inspections = counts(
        "inspections",
        lang,
        Words {
            title: "chart-inspections-title",
            category: "chart-month",
            value: "chart-inspections",
        },
        months,
        r.inspections_by_month.clone(),
        vec![],
    );
    // Twelve month names do not fit side by side on a phone: the axis numbers them (it is
    // labelled "Month"), the table names them.
    inspections.labels = (1..=12).map(|m| m.to_string()).collect();
    let violations = counts(
        "violations",
        lang,
        Words {
            title: "chart-violations-title",
            category: "chart-severity",
            value: "chart-violations",
        },
        words(&["chart-minor", "chart-major", "chart-serious"]),
        vec![r.violations.minor, r.violations.major, r.violations.serious],
        vec![charts::AMBER, Rgb(0xd0, 0x5a, 0x1a), charts::RED],
    );

    let item = lang.t("chart-item").to_string();
    let marked = lang.t("chart-marked").to_string();
    let checklist = ChartData {
        id: "checklist",
        title: lang.t("chart-checklist-title").to_string(),
        shape: Shape::HorizontalBars,
        labels: r.checklist_top.iter().map(|c| c.code.clone()).collect(),
        series: one_series(
            &marked,
            r.checklist_top.iter().map(|c| c.inspections).collect(),
            charts::RED,
            vec![],
        ),
        columns: vec![lang.t("chart-code").to_string(), item.clone(), marked.clone()],
        rows: r
            .checklist_top
            .iter()
            .map(|c| {
                vec![
                    c.code.clone(),
                    lang.pick(&c.title_zh, &c.title_en).to_string(),
                    c.inspections.to_string(),
                ]
            })
            .collect(),
        category_desc: item,
        value_desc: marked,
    };

    let n = &r.notices;
    let notices = counts(
        "notices",
        lang,
        Words {
            title: "chart-notices-title",
            category: "chart-outcome",
            value: "chart-notices",
        },
        words(&["chart-issued", "chart-on-time", "chart-overdue", "chart-open"]),
        vec![n.issued, n.on_time, n.overdue, n.open],
        vec![charts::ACCENT, charts::GREEN, charts::RED, charts::GREY],
    );

    let mut star_labels: Vec<String> = (1..=5).map(|s| format!("★{s}")).collect();
    star_labels.push(lang.t("chart-unrated").to_string());
    let mut star_values = r.stars.by_stars.clone();
    star_values.push(r.stars.unrated);
    let mut star_colors = vec![charts::AMBER; 5];
    star_colors.push(charts::GREY);
    let stars = counts(
        "stars",
        lang,
        Words {
            title: "chart-stars-title",
            category: "chart-stars",
            value: "chart-merchants",
        },
        star_labels,
        star_values,
        star_colors,
    );

    let edition = lang.t("chart-edition").to_string();
    let (red, black) = (lang.t("nav-red").to_string(), lang.t("nav-black").to_string());
    let lists = ChartData {
        id: "lists",
        title: lang.t("chart-lists-title").to_string(),
        shape: Shape::Lines,
        labels: r.editions.iter().map(|e| edition_label(e.number, lang)).collect(),
        series: vec![
            Series {
                name: red.clone(),
                values: r.editions.iter().map(|e| e.red).collect(),
                color: charts::RED,
                bar_colors: vec![],
            },
            Series {
                name: black.clone(),
                values: r.editions.iter().map(|e| e.black).collect(),
                color: charts::BLACK,
                bar_colors: vec![],
            },
        ],
        columns: vec![
            edition.clone(),
            lang.t("editions-published-on").to_string(),
            red,
            black,
        ],
        rows: r
            .editions
            .iter()
            .map(|e| {
                vec![
                    edition_label(e.number, lang),
                    e.published_on.to_string(),
                    e.red.to_string(),
                    e.black.to_string(),
                ]
            })
            .collect(),
        category_desc: edition,
        value_desc: lang.t("chart-merchants").to_string(),
    };

    let members = counts(
        "members",
        lang,
        Words {
            title: "chart-members-title",
            category: "chart-change",
            value: "chart-merchants",
        },
        words(&["chart-joined", "chart-left"]),
        vec![r.members.joined, r.members.left],
        vec![charts::GREEN, charts::GREY],
    );
    vec![inspections, violations, checklist, notices, stars, lists, members]
}

/// A CSV cell that a spreadsheet could take for a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) gets a leading apostrophe, so it stays text: `services::export::safe_cell`.
pub fn neutralise(cell: &str) -> String {
    crate::services::export::safe_cell(cell).into_owned()
}

/// A chart's table as CSV: a UTF-8 byte order mark (for Excel), the header, the rows. The header
/// and each row's name are text (`safe_cell`); the other cells are the figures, which stay numbers
/// when they are plain numbers (`safe_value`).
pub fn csv_bytes(c: &ChartData) -> anyhow::Result<Vec<u8>> {
    use crate::services::export::{safe_cell, safe_value};
    let mut out = crate::services::export::UTF8_BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut out);
        w.write_record(c.columns.iter().map(|h| safe_cell(h).into_owned()))?;
        for row in &c.rows {
            w.write_record(row.iter().enumerate().map(|(i, cell)| {
                if i == 0 {
                    safe_cell(cell).into_owned()
                } else {
                    safe_value(cell).into_owned()
                }
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::reports;
    use chrono::NaiveDate;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+86"), "'+86");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("C03 生熟分开"), "C03 生熟分开");
        assert_eq!(neutralise("12"), "12");
    }

    #[test]
    fn english_charts_have_no_chinese_but_what_people_typed() {
        let policy = crate::domain::policy::Policy::default_policy();
        let mut r = reports_fixture();
        r.checklist_top = vec![reports::ChecklistCount {
            code: "C03".into(),
            title_zh: policy.checklist_item("C03").unwrap().title_zh.clone(),
            title_en: policy.checklist_item("C03").unwrap().title_en.clone(),
            inspections: 2,
        }];
        for c in chart_data(&r, Lang::En) {
            let text = format!(
                "{} {} {} {:?} {:?} {:?}",
                c.title, c.category_desc, c.value_desc, c.labels, c.columns, c.rows
            );
            assert!(
                !text.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
                "{text}"
            );
            let bytes = csv_bytes(&c).unwrap();
            assert!(bytes.starts_with(crate::services::export::UTF8_BOM));
        }
        for lang in [Lang::Zh, Lang::En] {
            let charts = chart_data(&r, lang);
            assert_eq!(
                charts.iter().map(|c| c.id).collect::<Vec<_>>(),
                CHART_IDS,
                "every chart, in order"
            );
            for c in charts {
                let text = format!(
                    "{} {} {} {:?} {:?}",
                    c.title, c.category_desc, c.value_desc, c.labels, c.rows
                );
                assert!(!text.contains("??"), "a key missing from the catalogue: {text}");
            }
        }
    }

    fn reports_fixture() -> YearReport {
        YearReport {
            year: 2025,
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            complete: true,
            members: Default::default(),
            inspections_by_month: vec![1; 12],
            inspections: 12,
            violations: Default::default(),
            checklist_top: vec![],
            notices: Default::default(),
            complaints: Default::default(),
            trainings: Default::default(),
            rewards: Default::default(),
            stars: reports::StarCounts {
                by_stars: vec![0, 1, 2, 3, 4],
                unrated: 1,
            },
            editions: vec![reports::EditionSize {
                number: 3,
                published_on: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
                red: 4,
                black: 2,
            }],
            credit_repairs: 0,
            commendations: vec![],
        }
    }
}
