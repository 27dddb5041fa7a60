//! Charts drawn on the server as SVG with plotters' SVG backend and inlined in the page.
//!
//! No font file is loaded: plotters' SVG backend writes text as `<text>` elements and the
//! browser sets them in its own fonts (Chinese included). It styles everything with presentation
//! attributes (`fill=`, `stroke=`), never a `style=` attribute, so the CSP's `style-src 'self'`
//! has nothing to refuse. The root element is rewritten: no fixed width or height (the
//! stylesheet scales it), `role="img"` and a `<title>` that names it for screen readers.

use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::{RangedCoordi32, RangedCoordi64};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A colour, as the caller names it without knowing plotters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// The site's accent blue.
pub const ACCENT: Rgb = Rgb(0x0b, 0x57, 0xd0);
/// The red list's red.
pub const RED: Rgb = Rgb(0xb3, 0x26, 0x1e);
/// The black list's near-black.
pub const BLACK: Rgb = Rgb(0x1c, 0x1b, 0x1f);
/// Amber, for mild things and stars.
pub const AMBER: Rgb = Rgb(0xa0, 0x5a, 0x00);
/// Green, for things done on time.
pub const GREEN: Rgb = Rgb(0x18, 0x80, 0x38);
/// Grey, for what is not rated or still open.
pub const GREY: Rgb = Rgb(0x80, 0x86, 0x8b);

const GRID: RGBColor = RGBColor(0xda, 0xdc, 0xe0);
const INK: RGBColor = RGBColor(0x1d, 0x1d, 0x1f);
const FONT: &str = "sans-serif";
const LABEL_SIZE: f64 = 17.0;
const DESC_SIZE: f64 = 17.0;

/// How the numbers are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One bar per category, categories along the bottom.
    Bars,
    /// One bar per category, categories down the side, the first at the top.
    HorizontalBars,
    /// One line per series across the categories, with a legend.
    Lines,
}

/// One series of numbers, one per category.
#[derive(Clone, Debug)]
pub struct Series {
    /// Its name in the legend (lines) and the table's column.
    pub name: String,
    pub values: Vec<i64>,
    /// The line's colour, or every bar's.
    pub color: Rgb,
    /// For bars: a colour per bar, overriding `color`.
    pub bar_colors: Vec<Rgb>,
}

/// Everything one chart shows.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    /// Unique on the page: the `<title>`'s id is made from it.
    pub id: &'a str,
    /// The chart's accessible name.
    pub title: &'a str,
    /// The category axis's description.
    pub category_desc: &'a str,
    /// The value axis's description.
    pub value_desc: &'a str,
    /// A label per category, as short as can be read on a phone.
    pub labels: &'a [String],
    /// Bars draw the first series only.
    pub series: &'a [Series],
    pub shape: Shape,
    /// Written across an empty chart (no category).
    pub empty_text: &'a str,
}

/// The drawing failed (plotters' error, as text).
#[derive(Debug, thiserror::Error)]
#[error("chart {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// The chart as an `<svg>` element ready to inline.
pub fn svg(spec: &Spec<'_>) -> Result<String, ChartError> {
    // Narrow, so that on a phone (about 360 px across) the text is still about 12 px high.
    let (w, h) = match spec.shape {
        _ if spec.labels.is_empty() => (400, 110),
        Shape::HorizontalBars => (400, 320),
        _ => (400, 260),
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        if spec.labels.is_empty() {
            draw_empty(&root, spec, (w, h))?;
        } else {
            match spec.shape {
                Shape::Bars => draw_bars(&root, spec)?,
                Shape::HorizontalBars => draw_horizontal(&root, spec)?,
                Shape::Lines => draw_lines(&root, spec)?,
            }
        }
        root.present().map_err(err)?;
    }
    Ok(finish(&out, spec, (w, h)))
}

/// Replaces plotters' root tag (fixed width and height) with one the stylesheet can scale, and
/// names the image.
fn finish(drawn: &str, spec: &Spec<'_>, (w, h): (u32, u32)) -> String {
    let body = drawn.find('>').map_or(drawn, |i| &drawn[i + 1..]);
    let title_id = format!("chart-{}-title", spec.id);
    format!(
        "<svg class=\"report-chart\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" \
         role=\"img\" aria-labelledby=\"{title_id}\" data-chart=\"{id}\"><title id=\"{title_id}\">{title}</title>{body}",
        id = escape(spec.id),
        title = escape(spec.title),
    )
}

/// Text for XML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// The value axis's top: the largest value with room above it for its label.
fn top(series: &[Series]) -> i64 {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(0);
    max + max / 8 + 1
}

/// The value axis's top for lines: half as much again as the largest value, so that the legend
/// in the upper right corner covers no line.
fn lines_top(series: &[Series]) -> i64 {
    let t = top(series);
    t + t / 2 + 1
}

fn label_of(labels: &[String], v: &SegmentValue<i32>) -> String {
    match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_default(),
        SegmentValue::Last => String::new(),
    }
}

fn bar_color(s: &Series, i: usize) -> RGBColor {
    s.bar_colors.get(i).copied().unwrap_or(s.color).plotters()
}

type Area<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;

fn draw_empty(root: &Area<'_>, spec: &Spec<'_>, (w, h): (u32, u32)) -> Result<(), ChartError> {
    let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Rectangle::new(
        [(8, 8), (w as i32 - 8, h as i32 - 8)],
        GRID.stroke_width(1),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        spec.empty_text.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))
    .map_err(err)
}

/// A chart with the categories along the x axis (0 to n - 1; plotters' integer ranges include
/// their end) and values from 0 to `y_top`, its axes, labels and grid drawn: the frame that bars and
/// lines share.
fn categories_chart<'a, 'b>(
    root: &'a Area<'b>,
    spec: &Spec<'_>,
    y_top: i64,
) -> Result<CategoriesChart<'a, 'b>, ChartError> {
    let n = spec.labels.len() as i32;
    let labels = spec.labels;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(56)
        .y_label_area_size(64)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0i64..y_top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(labels.len() + 1)
        .x_label_formatter(&|v| label_of(labels, v))
        .y_labels(6)
        .y_label_formatter(&|v| v.to_string())
        .x_desc(spec.category_desc)
        .y_desc(spec.value_desc)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

type CategoriesChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordi32>, RangedCoordi64>>;

fn draw_bars(root: &Area<'_>, spec: &Spec<'_>) -> Result<(), ChartError> {
    let Some(series) = spec.series.first() else {
        return Ok(());
    };
    let n = spec.labels.len() as i32;
    let mut chart = categories_chart(root, spec, top(spec.series))?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .margin(if n > 6 { 4 } else { 14 })
                .style_func(|x, _| {
                    let i = match x {
                        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => *i as usize,
                        SegmentValue::Last => 0,
                    };
                    bar_color(series, i).filled()
                })
                .data(series.values.iter().enumerate().map(|(i, v)| (i as i32, *v))),
        )
        .map_err(err)?;
    let value_style = TextStyle::from((FONT, LABEL_SIZE).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(series.values.iter().enumerate().map(|(i, v)| {
            Text::new(
                v.to_string(),
                (SegmentValue::CenterOf(i as i32), *v),
                value_style.clone(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

fn draw_horizontal(root: &Area<'_>, spec: &Spec<'_>) -> Result<(), ChartError> {
    let Some(series) = spec.series.first() else {
        return Ok(());
    };
    let n = spec.labels.len() as i32;
    // The first category at the top: category k sits at n - 1 - k.
    let flip = |i: i32| n - 1 - i;
    let reversed: Vec<String> = spec.labels.iter().rev().cloned().collect();
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(56)
        .y_label_area_size(64)
        .build_cartesian_2d(0i64..top(spec.series), (0..n - 1).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(reversed.len() + 1)
        .y_label_formatter(&|v| label_of(&reversed, v))
        .x_labels(6)
        .x_label_formatter(&|v| v.to_string())
        .x_desc(spec.value_desc)
        .y_desc(spec.category_desc)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            Histogram::horizontal(&chart)
                .margin(4)
                .style_func(|y, _| {
                    let i = match y {
                        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => flip(*i) as usize,
                        SegmentValue::Last => 0,
                    };
                    bar_color(series, i).filled()
                })
                .data(
                    series
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (flip(i as i32), *v)),
                ),
        )
        .map_err(err)?;
    let value_style = TextStyle::from((FONT, LABEL_SIZE).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    chart
        .draw_series(series.values.iter().enumerate().map(|(i, v)| {
            Text::new(
                format!(" {v}"),
                (*v, SegmentValue::CenterOf(flip(i as i32))),
                value_style.clone(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

fn draw_lines(root: &Area<'_>, spec: &Spec<'_>) -> Result<(), ChartError> {
    let mut chart = categories_chart(root, spec, lines_top(spec.series))?;
    for s in spec.series {
        let color = s.color.plotters();
        let points: Vec<(SegmentValue<i32>, i64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (SegmentValue::CenterOf(i as i32), *v))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3)));
        chart
            .draw_series(points.into_iter().map(|p| Circle::new(p, 4, color.filled())))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, LABEL_SIZE))
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// A value over time (the public record's rating history): days along the x axis at their real
/// distance, one dot per value coloured by the caller, the value axis fixed (a score's 0–100 reads
/// the same on every record). Kept apart from [`Spec`] so that the report charts are unchanged.
pub struct Timeline<'a> {
    /// Unique on the page: the `<title>`'s id is made from it.
    pub id: &'a str,
    /// The chart's accessible name.
    pub title: &'a str,
    /// The time axis's description.
    pub date_desc: &'a str,
    /// The value axis's description.
    pub value_desc: &'a str,
    /// (day number, value, dot colour), in day order; day numbers are any count of days
    /// (e.g. since the first point), labelled by `day_label`.
    pub points: &'a [(i64, i64, Rgb)],
    /// The value axis's range, both ends included.
    pub values: (i64, i64),
    /// A day number's label on the time axis.
    pub day_label: &'a dyn Fn(i64) -> String,
    /// Written across an empty chart (no point).
    pub empty_text: &'a str,
}

/// The timeline as an `<svg>` element ready to inline (same root as [`svg`]'s).
pub fn timeline_svg(t: &Timeline<'_>) -> Result<String, ChartError> {
    let (w, h) = if t.points.is_empty() {
        (400, 110)
    } else {
        // Narrow, so that on a 390 px phone the labels are still ~13 px high.
        (440, 270)
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        if t.points.is_empty() {
            let spec = Spec {
                id: t.id,
                title: t.title,
                category_desc: t.date_desc,
                value_desc: t.value_desc,
                labels: &[],
                series: &[],
                shape: Shape::Lines,
                empty_text: t.empty_text,
            };
            draw_empty(&root, &spec, (w, h))?;
        } else {
            draw_timeline(&root, t)?;
        }
        root.present().map_err(err)?;
    }
    let body = out.find('>').map_or(out.as_str(), |i| &out[i + 1..]);
    let title_id = format!("chart-{}-title", t.id);
    Ok(format!(
        "<svg class=\"report-chart timeline-chart\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" \
         role=\"img\" aria-labelledby=\"{title_id}\" data-chart=\"{id}\"><title id=\"{title_id}\">{title}</title>{body}",
        id = escape(t.id),
        title = escape(t.title),
    ))
}

fn draw_timeline(root: &Area<'_>, t: &Timeline<'_>) -> Result<(), ChartError> {
    let first = t.points.first().map_or(0, |p| p.0);
    let last = t.points.last().map_or(0, |p| p.0).max(first + 1);
    // A little room either side, so the first and last dots are not on the axes.
    let pad = ((last - first) / 40).max(1);
    let (lo, hi) = (first - pad, last + pad);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(56)
        .y_label_area_size(64)
        .build_cartesian_2d(lo..hi, t.values.0..t.values.1)
        .map_err(err)?;
    let day_label = t.day_label;
    let span = t.values.1 - t.values.0;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(4)
        .x_label_formatter(&|d| day_label(*d))
        .y_labels(if span % 20 == 0 {
            (span / 20 + 1) as usize
        } else {
            6
        })
        .y_label_formatter(&|v| v.to_string())
        .x_desc(t.date_desc)
        .y_desc(t.value_desc)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .draw()
        .map_err(err)?;
    let line: Vec<(i64, i64)> = t.points.iter().map(|p| (p.0, p.1)).collect();
    chart
        .draw_series(LineSeries::new(line, ACCENT.plotters().stroke_width(2)))
        .map_err(err)?;
    chart
        .draw_series(
            t.points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 5, p.2.plotters().filled())),
        )
        .map_err(err)?;
    // The latest value written beside its dot.
    if let Some(p) = t.points.last() {
        let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        chart
            .draw_series(std::iter::once(Text::new(
                p.1.to_string(),
                (p.0, p.1 + span / 25),
                style,
            )))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(labels: &'a [String], series: &'a [Series], shape: Shape) -> Spec<'a> {
        Spec {
            id: "t",
            title: "Inspections <by month>",
            category_desc: "月份",
            value_desc: "Count",
            labels,
            series,
            shape,
            empty_text: "No data",
        }
    }

    fn one(values: Vec<i64>) -> Vec<Series> {
        vec![Series {
            name: "n".into(),
            values,
            color: ACCENT,
            bar_colors: vec![RED],
        }]
    }

    #[test]
    fn every_shape_draws_a_scalable_named_svg_without_style_attributes() {
        let labels: Vec<String> = ["一月", "Feb", "<&>"].iter().map(|s| s.to_string()).collect();
        let series = one(vec![3, 0, 12]);
        for shape in [Shape::Bars, Shape::HorizontalBars, Shape::Lines] {
            let out = svg(&spec(&labels, &series, shape)).unwrap();
            assert!(out.starts_with("<svg class=\"report-chart\" viewBox="), "{out}");
            let root = &out[..out.find('>').unwrap()];
            assert!(!root.contains("width="), "no fixed size: {root}");
            assert!(!out.contains("style="), "no style attribute: {out}");
            assert!(out.contains("<title id=\"chart-t-title\">Inspections &lt;by month&gt;</title>"));
            assert!(out.contains("&lt;&amp;&gt;"), "labels escaped");
            assert!(out.contains("月份"), "{out}");
            if shape == Shape::Lines {
                assert_eq!(out.matches("<circle").count(), 3, "a dot per value: {out}");
            } else {
                assert!(out.contains("12\n</text>"), "the value over its bar: {out}");
            }
            if std::env::var_os("GONGZHI_PRINT_CHARTS").is_some() {
                println!("{out}");
            }
            assert!(out.trim_end().ends_with("</svg>"));
        }
    }

    #[test]
    fn an_empty_chart_says_so() {
        let out = svg(&spec(&[], &one(vec![]), Shape::Lines)).unwrap();
        assert!(out.contains("No data"));
    }

    #[test]
    fn a_timeline_has_axes_dates_and_a_dot_per_value() {
        let points = [(0, 82, ACCENT), (30, 40, BLACK), (95, 71, RED)];
        let label = |d: i64| format!("day {d}");
        let out = timeline_svg(&Timeline {
            id: "h",
            title: "History",
            date_desc: "Date",
            value_desc: "Score",
            points: &points,
            values: (0, 100),
            day_label: &label,
            empty_text: "None",
        })
        .unwrap();
        assert!(
            out.starts_with("<svg class=\"report-chart timeline-chart\""),
            "{out}"
        );
        assert!(out.contains("role=\"img\"") && out.contains(">History</title>"));
        assert_eq!(out.matches("<circle").count(), 3, "{out}");
        assert!(out.contains("\nScore\n</text>"), "the value axis is named: {out}");
        assert!(out.contains("\n100\n</text>"), "the value axis has values: {out}");
        assert!(
            out.contains("\nday 0\n</text>"),
            "the time axis has labels: {out}"
        );
        assert!(!out.contains("style="), "{out}");
        let one = timeline_svg(&Timeline {
            points: &points[..1],
            ..Timeline {
                id: "h",
                title: "History",
                date_desc: "Date",
                value_desc: "Score",
                points: &[],
                values: (0, 100),
                day_label: &label,
                empty_text: "None",
            }
        })
        .unwrap();
        assert_eq!(one.matches("<circle").count(), 1);
    }
}
