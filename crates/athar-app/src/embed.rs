//! The map a report embeds: the bundled MapLibre styles with their sources on the serving
//! host, the hotspot map's style and legend, the `/embed` page and its oEmbed description.
//! What the server adds is HTTP: the query string as it was written, who may see what,
//! headers, and the front-end files it serves.

use std::collections::BTreeMap;

use athar_core::VocabularyName;
use athar_index::Snapshot;
use serde::Serialize;
use serde_json::{Value, json};

use crate::hotspots::Outline;
use crate::params::{ParamError, Parameters};

/// The bundled styles, by name.
const STYLES: [(&str, &str); 2] = [
    ("incidents", include_str!("../../../styles/incidents.json")),
    (
        "incidents-dark",
        include_str!("../../../styles/incidents-dark.json"),
    ),
];

/// The bundled style called `name` (`incidents`, `incidents-dark`).
pub fn bundled_style(name: &str) -> Option<&'static str> {
    STYLES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, style)| *style)
}

/// The parameters of a hotspot map, which the page and its style pass on to the hotspot
/// tiles (`/tiles/hotspots/…`).
pub const HOTSPOT_PARAMETERS: [&str; 6] = [
    "resolution",
    "distance_km",
    "fdr",
    "trend",
    "interval",
    "periods",
];

/// The page's own parameters.
pub const PAGE_PARAMETERS: [&str; 6] = ["lang", "title", "view", "theme", "slider", "at"];

/// What a map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Incidents as clustered points.
    Points,
    /// Incidents as clustered points sized by their killed and injured.
    Casualties,
    /// Communities as proportional circles.
    Communities,
    /// Getis-Ord Gi* hexagons.
    Hotspots,
}

impl View {
    /// The view `view` asks for, or `default`.
    pub fn of(query: &dyn Parameters, default: Self) -> Result<Self, ParamError> {
        Ok(
            match query.choice(
                "view",
                &["points", "casualties", "communities", "hotspots"],
                default.as_str(),
            )? {
                "casualties" => Self::Casualties,
                "communities" => Self::Communities,
                "hotspots" => Self::Hotspots,
                _ => Self::Points,
            },
        )
    }

    /// Its name in `view=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Points => "points",
            Self::Casualties => "casualties",
            Self::Communities => "communities",
            Self::Hotspots => "hotspots",
        }
    }
}

/// A style that cannot be made: the bundled document is not what it should be.
#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    /// It is not JSON.
    #[error("the bundled style: {0}")]
    Json(#[from] serde_json::Error),
    /// It lacks a part.
    #[error("the bundled style: no {0}")]
    Missing(&'static str),
}

/// Checks the hotspot parameters (given only with `view=hotspots`, `interval` and
/// `periods` only with `trend=true`) as the hotspot tiles will read them, and says whether
/// the map is of emerging-hotspot categories.
pub fn hotspot_options(query: &dyn Parameters, view: View) -> Result<bool, ParamError> {
    if view != View::Hotspots {
        return match HOTSPOT_PARAMETERS
            .iter()
            .find(|name| query.get(name).is_some())
        {
            Some(name) => Err(ParamError::new(name, "is a parameter of view=hotspots")),
            None => Ok(false),
        };
    }
    query.number("resolution", 7, 5, 9)?;
    query.decimal("distance_km", 0.001, athar_hotspots::MAX_DISTANCE_KM)?;
    query.choice("fdr", &["true", "false"], "false")?;
    let trend = query.choice("trend", &["true", "false"], "false")? == "true";
    query.choice("interval", &["month", "week"], "month")?;
    query.number(
        "periods",
        6,
        athar_hotspots::MIN_PERIODS,
        athar_hotspots::MAX_PERIODS,
    )?;
    if !trend
        && let Some(name) = ["interval", "periods"]
            .iter()
            .find(|name| query.get(name).is_some())
    {
        return Err(ParamError::new(name, "is a parameter of trend=true"));
    }
    Ok(trend)
}

/// A legend entry of a hotspot map: the value of `class` (or `category`), its fill
/// colour, and its label in English and Arabic.
type Entry = (&'static str, &'static str, &'static str, &'static str);

/// The classes of a Gi* map, hot to cold, in ColorBrewer's diverging RdBu (its nine-class
/// scheme without the two palest colours, which vanish on the basemap).
#[rustfmt::skip]
const HOTSPOT_CLASSES: [Entry; 7] = [
    ("hot_99", "#b2182b", "Hot spot, 99% confidence", "بؤرة ساخنة، ثقة 99٪"),
    ("hot_95", "#d6604d", "Hot spot, 95% confidence", "بؤرة ساخنة، ثقة 95٪"),
    ("hot_90", "#f4a582", "Hot spot, 90% confidence", "بؤرة ساخنة، ثقة 90٪"),
    ("not_significant", "#9e9e9e", "Not significant", "غير دالة إحصائياً"),
    ("cold_90", "#92c5de", "Cold spot, 90% confidence", "بؤرة باردة، ثقة 90٪"),
    ("cold_95", "#4393c3", "Cold spot, 95% confidence", "بؤرة باردة، ثقة 95٪"),
    ("cold_99", "#2166ac", "Cold spot, 99% confidence", "بؤرة باردة، ثقة 99٪"),
];

/// The categories of an emerging-hotspot map: reds and browns for hot patterns, blues and
/// teals for cold ones.
#[rustfmt::skip]
const TREND_CATEGORIES: [Entry; 17] = [
    ("new", "#f4a582", "New hot spot", "بؤرة ساخنة جديدة"),
    ("consecutive", "#d6604d", "Consecutive hot spot", "بؤرة ساخنة متتالية"),
    ("intensifying", "#67001f", "Intensifying hot spot", "بؤرة ساخنة متصاعدة"),
    ("persistent", "#b2182b", "Persistent hot spot", "بؤرة ساخنة مستمرة"),
    ("diminishing", "#fddbc7", "Diminishing hot spot", "بؤرة ساخنة متراجعة"),
    ("sporadic", "#e08214", "Sporadic hot spot", "بؤرة ساخنة متقطعة"),
    ("oscillating", "#8c510a", "Oscillating hot spot", "بؤرة ساخنة متذبذبة"),
    ("historical", "#bf812d", "Historical hot spot", "بؤرة ساخنة سابقة"),
    ("new_cold", "#92c5de", "New cold spot", "بؤرة باردة جديدة"),
    ("consecutive_cold", "#4393c3", "Consecutive cold spot", "بؤرة باردة متتالية"),
    ("intensifying_cold", "#053061", "Intensifying cold spot", "بؤرة باردة متصاعدة"),
    ("persistent_cold", "#2166ac", "Persistent cold spot", "بؤرة باردة مستمرة"),
    ("diminishing_cold", "#d1e5f0", "Diminishing cold spot", "بؤرة باردة متراجعة"),
    ("sporadic_cold", "#35978f", "Sporadic cold spot", "بؤرة باردة متقطعة"),
    ("oscillating_cold", "#01665e", "Oscillating cold spot", "بؤرة باردة متذبذبة"),
    ("historical_cold", "#80cdc1", "Historical cold spot", "بؤرة باردة سابقة"),
    ("no_pattern", "#9e9e9e", "No pattern", "بلا نمط"),
];

/// The fill opacity of units that are neither hot nor cold, and of the others.
const QUIET_OPACITY: f64 = 0.1;
const FILL_OPACITY: f64 = 0.8;

/// The property a hotspot map is coloured by, its entries, and its quiet value.
fn hotspot_entries(trend: bool) -> (&'static str, &'static [Entry], &'static str) {
    if trend {
        ("category", &TREND_CATEGORIES, "no_pattern")
    } else {
        ("class", &HOTSPOT_CLASSES, "not_significant")
    }
}

/// A bundled style with its sources' URLs on this host (`base`) and with these filters
/// (`?kind=…`, as written): the URL strings are filled and the document written again by
/// the JSON serializer, so that nothing in a host or a filter (a quote, a backslash) can
/// break or extend the document. Without `incidents` (a reader who may see counts only),
/// no incident source, nor its layers.
pub fn style_with_urls(
    style: &str,
    base: &str,
    filters: &str,
    incidents: bool,
) -> Result<String, StyleError> {
    let mut style: Value = serde_json::from_str(style)?;
    if !incidents && let Some(layers) = style["layers"].as_array_mut() {
        layers.retain(|layer| layer["source"] != "incidents");
    }
    let sources = style["sources"]
        .as_object_mut()
        .ok_or(StyleError::Missing("sources"))?;
    if !incidents {
        sources.remove("incidents");
    }
    for source in sources.values_mut() {
        if let Some(url) = source["url"].as_str() {
            source["url"] = json!(fill(url, &[("base", base), ("query", filters)]));
        }
    }
    Ok(style.to_string())
}

/// The `circle-radius` of every incident symbol sized by casualties: a `step` over killed
/// plus injured of [`CASUALTY_STEPS`](athar_tile_sources::incidents::CASUALTY_STEPS), the
/// sizes the cluster index merges symbols by.
fn casualty_radius() -> Value {
    let mut expression = vec![
        json!("step"),
        json!(["+", ["get", "killed"], ["get", "injured"]]),
    ];
    for (at, (from, radius)) in athar_tile_sources::incidents::CASUALTY_STEPS
        .iter()
        .enumerate()
    {
        if at > 0 {
            expression.push(json!(from));
        }
        expression.push(json!(radius));
    }
    Value::Array(expression)
}

/// A style (with its URLs filled) whose incident symbols are sized by killed and injured:
/// the incident tiles asked with `size=casualties` (clusters merged at those sizes), every
/// symbol's circle by the casualty steps, and the number on each the killed and injured
/// (none when there are none).
pub fn style_sized_by_casualties(style: &str) -> Result<String, StyleError> {
    let mut style: Value = serde_json::from_str(style)?;
    if let Some(url) = style["sources"]["incidents"]["url"].as_str() {
        let separator = if url.contains('?') { '&' } else { '?' };
        style["sources"]["incidents"]["url"] = json!(format!("{url}{separator}size=casualties"));
    }
    let layers = style["layers"]
        .as_array_mut()
        .ok_or(StyleError::Missing("layers"))?;
    for layer in layers {
        match layer["id"].as_str() {
            Some("clusters" | "incidents") => {
                layer["paint"]["circle-radius"] = casualty_radius();
            }
            Some("cluster-counts") => {
                // On every symbol with casualties.
                if let Some(fields) = layer.as_object_mut() {
                    fields.remove("filter");
                }
                layer["layout"]["text-field"] = json!([
                    "case",
                    [">", ["+", ["get", "killed"], ["get", "injured"]], 0],
                    ["to-string", ["+", ["get", "killed"], ["get", "injured"]]],
                    ""
                ]);
            }
            _ => {}
        }
    }
    Ok(style.to_string())
}

/// A style (with its URLs filled) as the `/embed` page gives it to MapLibre inline, to
/// save the page's slow-connection round trips and bytes: each vector source's TileJSON
/// URL replaced by what the TileJSON would say (the tile URL template with the same
/// query, the layer's bounds over `snapshot`, the reader's view), and the place and
/// community labels in the page's language (an English map then needs no right-to-left
/// text plugin unless a name has no English), and only the layers of `view` visible (so
/// that hidden layers' tiles are never fetched).
pub fn inline_style(
    style: &str,
    snapshot: &Snapshot,
    (arabic, view): (bool, View),
) -> Result<Value, StyleError> {
    use athar_tile_sources::tilejson::{Layer, tilejson};
    let mut style: Value = serde_json::from_str(style)?;
    let sources = style["sources"]
        .as_object_mut()
        .ok_or(StyleError::Missing("sources"))?;
    for (name, source) in sources.iter_mut() {
        let Some(layer) = Layer::named(name) else {
            continue;
        };
        // `{base}/tiles/{name}.json{query}`, as `style_with_urls` wrote it.
        let Some((base, query)) = source["url"]
            .as_str()
            .and_then(|url| url.split_once(&format!("/tiles/{name}.json")))
        else {
            continue;
        };
        let made = tilejson(layer, snapshot, layer.tile_template(base, query));
        *source = json!({
            "type": "vector",
            "tiles": made.tiles,
            "bounds": made.bounds,
            "minzoom": made.minzoom,
            "maxzoom": made.maxzoom,
        });
    }
    let name = if arabic {
        json!(["coalesce", ["get", "name_ar"], ["get", "name_en"]])
    } else {
        json!(["coalesce", ["get", "name_en"], ["get", "name_ar"]])
    };
    for layer in style["layers"].as_array_mut().into_iter().flatten() {
        match layer["id"].as_str() {
            Some("places") => layer["layout"]["text-field"] = name.clone(),
            Some("top-communities") => {
                layer["layout"]["text-field"] = json!([
                    "concat",
                    name.clone(),
                    "\n",
                    ["to-string", ["get", "count"]]
                ]);
            }
            Some(
                id @ ("communities" | "community-counts" | "clusters" | "cluster-counts"
                | "incidents"),
            ) => {
                let shown = (view == View::Communities) == id.starts_with("communit");
                layer["layout"]["visibility"] = json!(if shown { "visible" } else { "none" });
            }
            _ => {}
        }
    }
    Ok(style)
}

/// A style with the hotspot tiles (`tiles`, a URL template) as hexagons coloured by class
/// (or category) with a thin outline, over the context layers, in place of the incidents
/// and communities.
pub fn style_with_hotspots(
    style: &str,
    tiles: &str,
    dark: bool,
    trend: bool,
) -> Result<String, StyleError> {
    let mut style: Value = serde_json::from_str(style)?;
    let (property, entries, quiet) = hotspot_entries(trend);
    let mut colour = vec![json!("match"), json!(["get", property])];
    for (value, fill, _, _) in entries {
        colour.extend([json!(value), json!(fill)]);
    }
    colour.push(json!("#9e9e9e"));
    let outline = if dark { "#1d2126" } else { "#ffffff" };
    let layers = [
        json!({
            "id": "hotspots",
            "type": "fill",
            "source": "hotspots",
            "source-layer": "hotspots",
            "paint": {
                "fill-color": colour,
                "fill-opacity": ["match", ["get", property], quiet, QUIET_OPACITY, FILL_OPACITY],
            },
        }),
        json!({
            "id": "hotspots-outline",
            "type": "line",
            "source": "hotspots",
            "source-layer": "hotspots",
            "paint": {
                "line-color": ["match", ["get", property], quiet, "#8c8c8c", outline],
                "line-opacity": ["match", ["get", property], quiet, 0.3, 0.9],
                "line-width": 0.6,
            },
        }),
    ];
    let sources = style["sources"]
        .as_object_mut()
        .ok_or(StyleError::Missing("sources"))?;
    sources.retain(|name, _| name == "context");
    sources.insert(
        "hotspots".into(),
        json!({ "type": "vector", "tiles": [tiles], "minzoom": 0, "maxzoom": 12 }),
    );
    let list = style["layers"]
        .as_array_mut()
        .ok_or(StyleError::Missing("layers"))?;
    list.retain(|layer| {
        layer
            .get("source")
            .and_then(Value::as_str)
            .is_none_or(|source| source == "context")
    });
    let at = list
        .iter()
        .position(|layer| layer["id"] == "places")
        .unwrap_or(list.len());
    list.splice(at..at, layers);
    Ok(serde_json::to_string(&style)?)
}

/// What the `/embed` page shows.
pub struct Page<'a> {
    /// Arabic (right to left) or English.
    pub arabic: bool,
    /// What the map shows.
    pub view: View,
    /// The title asked for, if any.
    pub title: Option<&'a str>,
    /// The filters as a query string (`?kind=…`), carried into the page's URLs.
    pub filters: &'a str,
    /// The page's style, inline (see [`inline_style`]).
    pub style: Value,
    /// With `view=hotspots`, the analysis the tiles show, and whether it is a trend.
    pub hotspots: Option<(&'a Outline, bool)>,
    /// The release the page shows, if it is pinned to one.
    pub release: Option<&'a crate::releases::Manifest>,
    /// The kinds present under the filters with their counts, and the caption (see
    /// [`legend_of`]).
    pub legend: &'a MapLegend,
    /// A time slider, if asked for.
    pub slider: Option<&'a Slider>,
}

/// What the map's legend and caption say: the kinds present under the page's filters,
/// each with its count, and the period and total in the page's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapLegend {
    /// The kinds present, most incidents first (a count withheld from this reader: null).
    pub kinds: Vec<KindCount>,
    /// "67 attacks · 1–30 April 2024".
    pub caption: String,
    /// The period of the caption: the filter's dates, else those of the incidents shown
    /// (none when they would tell what a withheld count hides).
    #[serde(skip)]
    pub period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

/// A kind of the legend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCount {
    /// Its count under the filters, null when withheld.
    pub count: Option<u64>,
    /// Its label in the page's language.
    pub label: String,
    /// Its slug.
    pub slug: String,
}

/// The noun a kind is counted with in the caption.
fn noun_of(kind: &str) -> &'static str {
    match kind {
        "attack" => "attack",
        "fire" => "fire",
        "traffic_accident" => "accident",
        "drowning" => "drowning",
        _ => "incident",
    }
}

/// A period as the caption writes it: `1–30 April 2024`, `3 March – 12 April 2024`,
/// `28 December 2023 – 3 January 2024`.
fn period(
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    words: &athar_reports::Words,
) -> Result<String, athar_reports::WordsError> {
    use chrono::Datelike as _;
    let month = |date: chrono::NaiveDate| words.text(&format!("month.{}", date.month()));
    Ok(if from.year() != to.year() {
        format!(
            "{} {} {} – {} {} {}",
            from.day(),
            month(from)?,
            from.year(),
            to.day(),
            month(to)?,
            to.year()
        )
    } else if from.month() != to.month() {
        format!(
            "{} {} – {} {} {}",
            from.day(),
            month(from)?,
            to.day(),
            month(to)?,
            to.year()
        )
    } else if from == to {
        format!("{} {} {}", from.day(), month(from)?, from.year())
    } else {
        format!(
            "{}–{} {} {}",
            from.day(),
            to.day(),
            month(from)?,
            from.year()
        )
    })
}

/// The legend and caption of a map of `filter` for `viewer`: the kinds present with their
/// counts (those of `/v1/stats` for the same filters), and the total and period (the
/// filter's dates, else those of the incidents shown).
pub fn legend_of(
    snapshot: &Snapshot,
    viewer: &crate::privacy::OwnedViewer,
    filter: &athar_core::Filter,
    arabic: bool,
) -> MapLegend {
    let stats = crate::stats::stats(snapshot, viewer, filter);
    let mut kinds: Vec<KindCount> = stats
        .kinds
        .iter()
        .map(|(slug, figures)| KindCount {
            count: figures.figures.incidents,
            label: if arabic {
                figures.label_ar.clone()
            } else {
                figures.label_en.clone()
            },
            slug: slug.clone(),
        })
        .collect();
    kinds.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(&b.slug)));
    let words = athar_reports::Words::bundled(if arabic {
        athar_core::Language::Arabic
    } else {
        athar_core::Language::English
    });
    let withheld = kinds.iter().any(|k| k.count.is_none());
    let dates = if let (Some(from), Some(to)) = (filter.from, filter.to) {
        Some((from, to))
    } else if withheld {
        // The dates of incidents whose count is withheld would tell what the count hides.
        None
    } else {
        let mut extent: Option<(chrono::NaiveDate, chrono::NaiveDate)> = None;
        for row in snapshot.select(filter) {
            let day = snapshot.tile_fields(row).occurred_on;
            extent = Some(extent.map_or((day, day), |(a, b)| (a.min(day), b.max(day))));
        }
        extent.map(|(first, last)| (filter.from.unwrap_or(first), filter.to.unwrap_or(last)))
    };
    let total = match kinds.as_slice() {
        [only] => only.count.map(|n| words.count(noun_of(&only.slug), n)),
        _ => stats.figures.incidents.map(|n| words.count("incident", n)),
    };
    let caption = [
        total.and_then(Result::ok),
        dates.and_then(|d| period(d, &words).ok()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    MapLegend {
        kinds,
        caption,
        period: dates,
    }
}

/// The most steps a time slider has: each is a legend computed with the page.
pub const MAX_SLIDER_STEPS: usize = 100;

/// A time slider's step: its dates, its period as the caption writes it, and its legend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliderStep {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day.
    pub to: String,
    /// "1–7 April 2024".
    pub label: String,
    /// The kinds and caption for the step's filter.
    pub legend: MapLegend,
}

/// A time slider over the page's period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slider {
    /// Its step: `day`, `week` or `month`.
    pub unit: athar_index::Interval,
    /// The steps, first to last.
    pub steps: Vec<SliderStep>,
}

/// The steps of `unit` (days, ISO weeks or calendar months, as `/v1/stats/series` counts
/// them) over `from..=to`, cut to the period; refused past [`MAX_SLIDER_STEPS`].
///
/// # Errors
/// A `slider` parameter error naming the period and the number of steps.
pub fn slider_periods(
    unit: athar_index::Interval,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
) -> Result<Vec<(chrono::NaiveDate, chrono::NaiveDate)>, ParamError> {
    let steps: Vec<_> = unit
        .buckets_within(from, to)
        .take(MAX_SLIDER_STEPS + 1)
        .collect();
    if steps.len() > MAX_SLIDER_STEPS {
        return Err(ParamError::new(
            "slider",
            format!(
                "{from} to {to} by {} is more than {MAX_SLIDER_STEPS} steps: choose a longer step or a shorter period",
                crate::params::Named::name(unit)
            ),
        ));
    }
    Ok(steps)
}

/// The time slider of a page of `filter` over `period` (its legend's), each step's
/// legend as [`legend_of`] gives it for the step's dates.
///
/// # Errors
/// No period to step over (no dates and no incidents, or dates withheld), or too many
/// steps.
pub fn slider(
    snapshot: &Snapshot,
    viewer: &crate::privacy::OwnedViewer,
    (filter, period): (
        &athar_core::Filter,
        Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    ),
    unit: athar_index::Interval,
    arabic: bool,
) -> Result<Slider, ParamError> {
    let period =
        period.ok_or_else(|| ParamError::new("slider", "needs a period: give from and to"))?;
    let words = athar_reports::Words::bundled(if arabic {
        athar_core::Language::Arabic
    } else {
        athar_core::Language::English
    });
    let steps = slider_periods(unit, period)?
        .into_iter()
        .map(|(from, to)| {
            let step = athar_core::Filter {
                from: Some(from),
                to: Some(to),
                ..filter.clone()
            };
            SliderStep {
                from: from.to_string(),
                to: to.to_string(),
                label: period_label((from, to), &words),
                legend: legend_of(snapshot, viewer, &step, arabic),
            }
        })
        .collect();
    Ok(Slider { unit, steps })
}

/// A period as captions write it, or its dates when the words lack a month.
fn period_label(
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    words: &athar_reports::Words,
) -> String {
    period((from, to), words).unwrap_or_else(|_| format!("{from} – {to}"))
}

/// The page's configuration, read by its script. The fields are in alphabetical order,
/// the order the page has always had them in.
#[derive(Serialize)]
struct Config<'a> {
    attribution: &'a str,
    bounds: Option<[[f64; 2]; 2]>,
    caption: &'a str,
    filters: &'a str,
    hotspots: Option<Legend>,
    kinds: Vec<KindLabel<'a>>,
    legend: &'a [KindCount],
    labels: PointLabels,
    lang: &'a str,
    slider: Option<&'a Slider>,
    style: &'a Value,
    title: &'a str,
    view: &'a str,
}

/// A kind of incident and its label in the page's language.
#[derive(Serialize)]
struct KindLabel<'a> {
    label: &'a str,
    slug: &'a str,
}

/// The words of the points' popups and clusters.
#[derive(Serialize)]
struct PointLabels {
    incidents: &'static str,
    injured: &'static str,
    killed: &'static str,
    sized: &'static str,
    zoom: &'static str,
}

/// The legend of a hotspot map (fields in alphabetical order, as the page has them).
#[derive(Serialize)]
struct Legend {
    labels: HotspotLabels,
    names: BTreeMap<&'static str, &'static str>,
    notes: Vec<String>,
    property: &'static str,
    rows: Vec<LegendRow>,
    title: String,
    trend: bool,
}

/// A row of a hotspot legend.
#[derive(Serialize)]
struct LegendRow {
    colour: &'static str,
    label: &'static str,
    opacity: f64,
    value: &'static str,
}

/// The words of a hotspot map's popups.
#[derive(Serialize)]
struct HotspotLabels {
    below: &'static str,
    count: &'static str,
    last: &'static str,
    p: &'static str,
    total: &'static str,
    z: &'static str,
}

/// The `/embed` page: a self-contained map page for an iframe, over the reader's view of
/// the snapshot (its bounds are those of what this reader may see).
pub fn page(snapshot: &Snapshot, page: &Page<'_>) -> String {
    let arabic = page.arabic;
    let title = page.title.unwrap_or(if arabic {
        "الحوادث"
    } else {
        "Incidents"
    });
    let kinds = snapshot
        .vocabularies()
        .terms_of(VocabularyName::Kind)
        .map(|term| KindLabel {
            slug: term.slug.as_str(),
            label: if arabic {
                &term.label_ar
            } else {
                &term.label_en
            },
        })
        .collect();
    let mut bounds = snapshot
        .spatial_extent()
        .map(|[w, s, e, n]| [[w, s], [e, n]]);
    let mut hotspots = None;
    if let Some((outline, trend)) = page.hotspots {
        let [w, s, e, n] = outline.study_area;
        bounds = Some([[w, s], [e, n]]);
        hotspots = Some(legend(outline, trend, arabic));
    }
    let lang = if arabic { "ar" } else { "en" };
    let config = Config {
        attribution: athar_gazetteer::GAZETTEER_ATTRIBUTION,
        bounds,
        caption: &page.legend.caption,
        filters: page.filters,
        hotspots,
        kinds,
        legend: &page.legend.kinds,
        labels: if arabic {
            PointLabels {
                incidents: "حادثة",
                killed: "قتلى",
                injured: "جرحى",
                sized: "حجم الدائرة: عدد القتلى والجرحى",
                zoom: "انقر للتكبير",
            }
        } else {
            PointLabels {
                incidents: "incidents",
                killed: "killed",
                injured: "injured",
                sized: "Circle size: killed and injured",
                zoom: "click to zoom in",
            }
        },
        lang,
        slider: page.slider,
        style: &page.style,
        title,
        view: page.view.as_str(),
    };
    let (download, download_pdf) = if arabic {
        ("تنزيل الخريطة", "تنزيل الخريطة بصيغة PDF")
    } else {
        ("Download map", "Download map as PDF")
    };
    // The static maps draw no hotspots: no download links for them.
    let downloads = if page.view == View::Hotspots {
        ""
    } else {
        DOWNLOAD_LINKS
    };
    // Which release the page shows, in its language (the date isolated left to right).
    let release = page.release.map_or_else(String::new, |manifest| {
        let day = manifest.created_at.get(..10).unwrap_or(&manifest.created_at);
        let title = escaped(&manifest.title);
        if arabic {
            format!(
                "\n  <p class=\"release\" style=\"margin: 2px 0 0; font-size: 12px; color: #555\">بيانات منشورة: {title}، صدرت في {}</p>",
                ltr(day)
            )
        } else {
            format!("\n  <p class=\"release\" style=\"margin: 2px 0 0; font-size: 12px; color: #555\">Published data: {title}, released {day}</p>")
        }
    });
    // The download links hold placeholders of their own, filled with the page's.
    let html = fill(
        EMBED_PAGE,
        &[("downloads", downloads), ("release", &release)],
    );
    let config = serde_json::to_string(&config)
        .unwrap_or_default()
        .replace("</", "<\\/");
    fill(
        &html,
        &[
            ("download", download),
            ("download_pdf", download_pdf),
            ("lang", lang),
            ("dir", if arabic { "rtl" } else { "ltr" }),
            ("title", &escaped(title)),
            ("caption", &escaped(&page.legend.caption)),
            ("config", &config),
        ],
    )
}

/// `template` with each `{{name}}` of `values` replaced by its value, in one pass: what a
/// value holds (a title that reads `{{config}}`) is never filled in turn. Placeholders
/// not in `values` are left as they are.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| (*value, end))
        });
        if let Some((value, end)) = value {
            out.push_str(value);
            rest = &after[end + 2..];
        } else {
            out.push_str("{{");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The page's "Download map" links (their URLs are set by its script).
const DOWNLOAD_LINKS: &str = r#"<div class="downloads">
    <a id="download-png" href="/maps/static.png" download="athar-map.png" type="image/png">{{download}}</a>
    <a id="download-pdf" class="secondary" href="/maps/static.pdf" download="athar-map.pdf"
       type="application/pdf" aria-label="{{download_pdf}}" title="{{download_pdf}}">PDF</a>
  </div>"#;

/// Escapes text for HTML.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Text isolated left to right (LRI … PDI), so that Arabic around it does not reorder
/// it: a date's hyphens, or the `*)` after a Latin name, would otherwise move.
fn ltr(text: &str) -> String {
    format!("\u{2066}{text}\u{2069}")
}

/// The legend of a hotspot map in the page's language: its title, its entries (colour,
/// label, opacity), lines on the units, neighbourhood and periods, and the labels of its
/// popups.
fn legend(outline: &Outline, trend: bool, arabic: bool) -> Legend {
    let (property, entries, quiet) = hotspot_entries(trend);
    let label = |entry: &Entry| if arabic { entry.3 } else { entry.2 };
    let present = |value: &str| {
        !trend || value == quiet || outline.present.iter().any(|known| known == value)
    };
    let rows = entries
        .iter()
        .filter(|entry| present(entry.0))
        .map(|entry| LegendRow {
            value: entry.0,
            label: label(entry),
            colour: entry.1,
            opacity: if entry.0 == quiet { 0.3 } else { FILL_OPACITY },
        })
        .collect();
    let names = HOTSPOT_CLASSES
        .iter()
        .chain(&TREND_CATEGORIES)
        .map(|entry| (entry.0, label(entry)))
        .collect();
    let resolution = outline.resolution.unwrap_or(7);
    let mut notes = vec![if arabic {
        format!("سداسيات H3، الدقة {resolution}")
    } else {
        format!("H3 hexagons, resolution {resolution}")
    }];
    match outline.neighbourhood {
        athar_hotspots::Neighbourhood::DistanceBand { distance_km, .. } => {
            let km = if distance_km < 1.0 {
                format!("{distance_km:.2}")
            } else {
                format!("{distance_km:.1}")
            };
            notes.push(if arabic {
                format!("الجوار: المراكز ضمن {km} كم")
            } else {
                format!("Neighbours: centres within {km} km")
            });
        }
        athar_hotspots::Neighbourhood::KNearest { k } => notes.push(if arabic {
            format!("الجوار: أقرب {k} وحدات")
        } else {
            format!("Neighbours: the {k} nearest")
        }),
        athar_hotspots::Neighbourhood::Given => {}
    }
    if outline.fdr {
        notes.push(
            if arabic {
                "مع تصحيح معدل الاكتشاف الخاطئ (FDR)"
            } else {
                "False Discovery Rate (FDR) correction"
            }
            .to_owned(),
        );
    }
    if trend
        && let (Some((from, _)), Some((_, to))) = (outline.periods.first(), outline.periods.last())
    {
        let (from, to) = (from.to_string(), to.to_string());
        let n = outline.periods.len();
        notes.push(match (arabic, outline.weekly) {
            (true, true) => format!("فترات أسبوعية: {n}، من {} إلى {}", ltr(&from), ltr(&to)),
            (true, false) => format!("فترات شهرية: {n}، من {} إلى {}", ltr(&from), ltr(&to)),
            (false, true) => format!("{n} weekly periods, {from} to {to}"),
            (false, false) => format!("{n} monthly periods, {from} to {to}"),
        });
    }
    let title = match (arabic, trend) {
        (true, false) => format!("البؤر الساخنة ({})", ltr("Getis-Ord Gi*")),
        (true, true) => format!("البؤر الناشئة ({})", ltr("Getis-Ord Gi*")),
        (false, false) => "Hotspots (Getis-Ord Gi*)".to_owned(),
        (false, true) => "Emerging hotspots (Getis-Ord Gi*)".to_owned(),
    };
    Legend {
        property,
        trend,
        title,
        rows,
        notes,
        names,
        labels: if arabic {
            HotspotLabels {
                count: "الحوادث",
                z: "الدرجة المعيارية (z)",
                p: "القيمة الاحتمالية (p)",
                below: "أقل من 0.001",
                total: "مجموع الحوادث",
                last: "الفترة الأخيرة",
            }
        } else {
            HotspotLabels {
                count: "Incidents",
                z: "z-score",
                p: "p-value",
                below: "< 0.001",
                total: "Incidents in all periods",
                last: "Last period",
            }
        },
    }
}

/// oEmbed 1.0 (type rich) for a map page of this server, so that a report's CMS can
/// paste the link. (The fields are in alphabetical order, as they have always been
/// written.)
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OEmbed {
    /// Its height, pixels.
    pub height: u32,
    /// The iframe of the map.
    pub html: String,
    /// Athar.
    pub provider_name: &'static str,
    /// This server.
    pub provider_url: String,
    /// The title.
    pub title: &'static str,
    /// `rich`.
    pub r#type: &'static str,
    /// `1.0`.
    pub version: &'static str,
    /// Its width, pixels.
    pub width: u32,
}

impl OEmbed {
    /// The oEmbed of the map page at `url` on the server at `base`, in a frame of `width`
    /// by `height` pixels.
    pub fn of(url: &str, base: &str, width: u32, height: u32) -> Self {
        Self {
            html: format!(
                "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" style=\"border:0\" loading=\"lazy\" allowfullscreen></iframe>",
                escaped(url)
            ),
            height,
            provider_name: "Athar",
            provider_url: base.to_owned(),
            title: "Athar map",
            r#type: "rich",
            version: "1.0",
            width,
        }
    }
}

const EMBED_PAGE: &str = include_str!("embed.html");

#[cfg(test)]
mod tests {
    #[test]
    fn captions_write_periods_as_each_language_does() {
        let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let english = athar_reports::Words::bundled(athar_core::Language::English);
        let arabic = athar_reports::Words::bundled(athar_core::Language::Arabic);
        let period =
            |from: &str, to: &str, words| super::period((day(from), day(to)), words).unwrap();
        assert_eq!(
            period("2024-04-01", "2024-04-30", &english),
            "1–30 April 2024"
        );
        assert_eq!(
            period("2024-04-01", "2024-04-30", &arabic),
            "1–30 نيسان 2024"
        );
        assert_eq!(
            period("2024-03-03", "2024-04-12", &english),
            "3 March – 12 April 2024"
        );
        assert_eq!(
            period("2023-12-28", "2024-01-03", &english),
            "28 December 2023 – 3 January 2024"
        );
        assert_eq!(period("2024-04-07", "2024-04-07", &english), "7 April 2024");
    }
    use super::*;

    #[test]
    fn a_value_is_never_filled_in_turn() {
        let page = fill(
            "<h1>{{title}}</h1>{{config}}",
            &[("title", "{{config}}"), ("config", "X")],
        );
        assert_eq!(page, "<h1>{{config}}</h1>X");
    }

    #[test]
    fn a_style_keeps_a_hostile_host_inside_its_strings() {
        let style = bundled_style("incidents").unwrap();
        let made = style_with_urls(style, "http://h\"},{\"x", "?kind=\"", true).unwrap();
        let parsed: Value = serde_json::from_str(&made).unwrap();
        let sources = parsed["sources"].as_object().unwrap();
        assert!(sources.values().all(|source| {
            source["url"]
                .as_str()
                .is_none_or(|url| url.starts_with("http://h\"},{\"x"))
        }));
        assert!(!parsed.as_object().unwrap().contains_key("x"));
    }

    #[test]
    /// The radii the cluster index merges symbols by are those the styles draw: the
    /// clusters' `step` by count, the lone incidents' radius, the stroke, and (made from
    /// the same constants) the casualty view's `step`.
    fn the_styles_draw_the_sizes_clusters_are_merged_by() {
        use athar_tile_sources::incidents::{COUNT_STEPS, POINT_RADIUS, STROKE};
        // Every number as a float (the style writes 12 where the constant is 12.0).
        fn floats(value: &Value) -> Value {
            match value {
                Value::Number(number) => json!(number.as_f64()),
                Value::Array(items) => Value::Array(items.iter().map(floats).collect()),
                other => other.clone(),
            }
        }
        for (name, style) in STYLES {
            let style: Value = serde_json::from_str(style).unwrap();
            let layer = |id: &str| {
                style["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|layer| layer["id"] == id)
                    .unwrap()
                    .clone()
            };
            let mut steps = vec![json!("step"), json!(["get", "count"])];
            for (at, (from, radius)) in COUNT_STEPS.iter().enumerate() {
                if at > 0 {
                    steps.push(json!(from));
                }
                steps.push(json!(radius));
            }
            let drawn = |id: &str, property: &str| floats(&layer(id)["paint"][property]);
            assert_eq!(
                drawn("clusters", "circle-radius"),
                floats(&Value::Array(steps)),
                "{name}"
            );
            assert_eq!(
                drawn("incidents", "circle-radius"),
                json!(POINT_RADIUS),
                "{name}"
            );
            for id in ["clusters", "incidents"] {
                assert_eq!(
                    drawn(id, "circle-stroke-width"),
                    json!(STROKE),
                    "{name} {id}"
                );
            }
            let sized: Value =
                serde_json::from_str(&style_sized_by_casualties(&style.to_string()).unwrap())
                    .unwrap();
            let radius = |id: &str| {
                sized["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|layer| layer["id"] == id)
                    .unwrap()["paint"]["circle-radius"]
                    .clone()
            };
            let expected = json!([
                "step",
                ["+", ["get", "killed"], ["get", "injured"]],
                5.0,
                1,
                8.0,
                5,
                12.0,
                20,
                18.0,
                100,
                26.0
            ]);
            assert_eq!(radius("clusters"), expected);
            assert_eq!(radius("incidents"), expected);
            assert!(
                sized["sources"]["incidents"]["url"]
                    .as_str()
                    .unwrap()
                    .ends_with("size=casualties")
            );
        }
    }

    #[test]
    fn counts_only_styles_have_no_incident_source() {
        let style = bundled_style("incidents-dark").unwrap();
        let made: Value =
            serde_json::from_str(&style_with_urls(style, "http://h", "", false).unwrap()).unwrap();
        assert!(made["sources"].get("incidents").is_none());
        assert!(
            made["layers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|layer| layer["source"] != "incidents")
        );
    }
}
