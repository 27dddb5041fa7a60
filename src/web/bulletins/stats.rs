//! The statistics page's "read rate over time": the recent bulletins' cumulative read rate within
//! so many days of sending, as a chart and as its table.

use crate::services::bulletins::reads::{self, percent};
use crate::web::{with_db, AppError, AppState, Lang};

/// The days after sending the statistics show the read rate at.
pub const STAT_DAYS: [i64; 5] = [1, 3, 7, 14, 30];
/// How many recent bulletins the statistics show.
const STAT_BULLETINS: i64 = 6;
/// The lines' colours, one per bulletin.
const STAT_COLORS: [crate::web::charts::Rgb; 6] = [
    crate::web::charts::ACCENT,
    crate::web::charts::RED,
    crate::web::charts::GREEN,
    crate::web::charts::AMBER,
    crate::web::charts::BLACK,
    crate::web::charts::GREY,
];

/// The statistics page's "read rate over time": the chart and its table.
pub struct RateStats {
    /// The inline SVG.
    pub svg: String,
    /// The table's column heads after the title and the recipients.
    pub heads: Vec<String>,
    /// A row per bulletin: (id, title, recipients, percentages at each day then now).
    pub rows: Vec<(i32, String, i64, Vec<String>)>,
}

/// Loads and draws the read rate over time of the recent bulletins.
pub async fn rate_stats(state: &AppState, lang: Lang) -> Result<RateStats, AppError> {
    let now = crate::db::models::now_utc();
    let curves = with_db(state, move |c| {
        Ok(reads::rate_curves(c, STAT_BULLETINS, &STAT_DAYS, now)?)
    })
    .await?;
    let labels: Vec<String> = STAT_DAYS
        .iter()
        .map(|d| lang.tr("bulletins-stats-day", &[("days", (*d).into())]))
        .collect();
    // Oldest first, so the legend reads in the order they were sent.
    let series: Vec<crate::web::charts::Series> = curves
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| crate::web::charts::Series {
            // The number, not the title: the legend stays short, and typed (Chinese) titles stay
            // out of an English chart; the table pairs each number with its title.
            name: format!("#{}", c.id),
            values: c.read_by_day.iter().map(|r| percent(*r, c.recipients)).collect(),
            color: STAT_COLORS[i % STAT_COLORS.len()],
            bar_colors: vec![],
        })
        .collect();
    let svg = crate::web::charts::svg(&crate::web::charts::Spec {
        id: "bulletin-rates",
        title: lang.t("bulletins-stats-chart"),
        category_desc: lang.t("bulletins-stats-days"),
        value_desc: lang.t("bulletins-stats-value"),
        labels: if series.is_empty() { &[] } else { &labels },
        series: &series,
        shape: crate::web::charts::Shape::Lines,
        empty_text: lang.t("bulletins-stats-empty"),
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let pct = |r: i64, n: i64| lang.tr("bulletins-percent", &[("percent", percent(r, n).into())]);
    let rows = curves
        .iter()
        .map(|c| {
            // A day not yet reached since sending has no figure: "—".
            let mut cells: Vec<String> = (0..STAT_DAYS.len())
                .map(|i| {
                    c.read_by_day
                        .get(i)
                        .map_or_else(|| "—".to_string(), |r| pct(*r, c.recipients))
                })
                .collect();
            cells.push(pct(c.read, c.recipients));
            (c.id, c.title.clone(), c.recipients, cells)
        })
        .collect();
    let mut heads = labels;
    heads.push(lang.t("bulletins-stats-now").to_string());
    Ok(RateStats { svg, heads, rows })
}
