//! The monthly report worded: each kind's figures of [`MonthlyReport`] written as the
//! civil defence's report writes them, from the sentences of the language files
//! (`crates/athar-reports/lang/`), with the charts drawn from the same figures, so that
//! every number in the text, in a chart and in the JSON is one number.

use athar_core::Language;
use athar_maps::palette;
use athar_reports::{Bar, BarChart, BarGroup, Document, Downloads, Figure, Section, Words};

pub use athar_reports::WordsError;

use super::{KindReport, MonthlyReport};
use crate::counts::CommunityEntry;
use crate::stats::BreakdownEntry;

/// The kinds in the report's order; any other kind follows, by slug.
const ORDER: [&str; 4] = ["attack", "fire", "traffic_accident", "drowning"];

/// The charts a report can have, by id.
pub const CHARTS: [&str; 4] = ["casualties", "weapons", "fire-places", "accident-causes"];

/// What the report says of where its figures come from.
#[derive(Debug, Clone, Copy)]
pub enum Provenance<'a> {
    /// The live data.
    Live,
    /// A release: its id, SHA-256 and first day.
    Release {
        /// Its id.
        id: &'a str,
        /// Its SHA-256.
        sha256: &'a str,
        /// The first day it holds.
        from: chrono::NaiveDate,
    },
}

fn kinds_in_order(report: &MonthlyReport) -> Vec<(&String, &KindReport)> {
    let mut kinds: Vec<_> = report.kinds.iter().collect();
    kinds.sort_by_key(|(kind, _)| {
        (
            ORDER.iter().position(|k| k == kind).unwrap_or(ORDER.len()),
            (*kind).clone(),
        )
    });
    kinds
}

/// A term's label in the report's language.
fn label(entry: &BreakdownEntry, language: Language) -> &str {
    match language {
        Language::Arabic => &entry.label_ar,
        Language::English => &entry.label_en,
    }
}

/// A community's name in the report's language, else in the other.
fn name(entry: &CommunityEntry, language: Language) -> String {
    let (first, second) = match language {
        Language::Arabic => (&entry.name_ar, &entry.name_en),
        Language::English => (&entry.name_en, &entry.name_ar),
    };
    first
        .clone()
        .or_else(|| second.clone())
        .unwrap_or_else(|| entry.community_id.clone())
}

struct Writer<'a> {
    words: &'a Words,
    month: String,
}

impl Writer<'_> {
    fn count(&self, noun: &str, count: u64) -> Result<String, WordsError> {
        self.words.count(noun, count)
    }

    /// `, among them one woman and two children`, or nothing.
    fn among(&self, women: u64, children: u64) -> Result<String, WordsError> {
        let mut parts = Vec::new();
        if women > 0 {
            parts.push(self.count("woman", women)?);
        }
        if children > 0 {
            parts.push(self.count("child", children)?);
        }
        if parts.is_empty() {
            return Ok(String::new());
        }
        self.words
            .fill("among", &[("list", &self.words.list(&parts)?)])
    }

    /// `Artillery shells (44), Suicide drone (14) and …`.
    fn counts(&self, entries: &[BreakdownEntry]) -> Result<String, WordsError> {
        let items = entries
            .iter()
            .map(|entry| {
                self.words.fill(
                    "item",
                    &[
                        ("label", label(entry, self.words.language())),
                        ("count", &entry.count.to_string()),
                    ],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.words.list(&items)
    }

    /// `Speeding 38%, …`.
    fn percents(&self, entries: &[BreakdownEntry]) -> Result<String, WordsError> {
        let items = entries
            .iter()
            .map(|entry| {
                self.words.fill(
                    "item.percent",
                    &[
                        ("label", label(entry, self.words.language())),
                        ("percent", &format!("{:.0}", entry.percent)),
                    ],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.words.list(&items)
    }

    /// The communities with the most: up to three ranks and five names, ties said as
    /// ties (`Idlib and Sarmada saw the most (9 each)`); when more than five share the
    /// first rank, only that none saw more.
    fn top(&self, entries: &[CommunityEntry]) -> Result<String, WordsError> {
        let mut groups: Vec<(u64, Vec<String>)> = Vec::new();
        for entry in entries {
            let Some(count) = entry.count else { continue };
            let name = name(entry, self.words.language());
            match groups.last_mut() {
                Some((last, names)) if *last == count => names.push(name),
                _ => groups.push((count, vec![name])),
            }
        }
        let mut parts = Vec::new();
        let mut named = 0;
        for (index, (count, names)) in groups.iter().enumerate() {
            let count = count.to_string();
            if index == 0 && names.len() > 5 {
                parts.push(self.words.fill("top.spread", &[("count", &count)])?);
                break;
            }
            if index == 3 || (index > 0 && named + names.len() > 5) {
                break;
            }
            let key = match (index, names.len()) {
                (0, 1) => "top.first",
                (0, 2) => "top.first_tied_two",
                (0, _) => "top.first_tied",
                (_, 1) => "top.then",
                (_, 2) => "top.then_tied_two",
                _ => "top.then_tied",
            };
            parts.push(self.words.fill(
                key,
                &[("names", &self.words.list(names)?), ("count", &count)],
            )?);
            named += names.len();
        }
        if parts.is_empty() {
            // Every community's count is withheld from this reader.
            return Ok(self.words.text("top.withheld")?.to_owned());
        }
        Ok(parts.join(self.words.text("list.separator")?))
    }

    fn paragraphs(&self, kind: &str, report: &KindReport) -> Result<Vec<String>, WordsError> {
        let figures = &report.figures.figures;
        let (Some(incidents), Some(communities)) = (figures.incidents, report.figures.communities)
        else {
            return Ok(vec![self.words.text("withheld")?.to_owned()]);
        };
        let value = |v: Option<u64>| v.unwrap_or(0);
        let (killed, killed_women, killed_children) = (
            value(figures.killed),
            value(figures.killed_women),
            value(figures.killed_children),
        );
        let (injured, injured_women, injured_children) = (
            value(figures.injured),
            value(figures.injured_women),
            value(figures.injured_children),
        );
        let key = |part: &str| {
            let own = format!("{kind}.{part}");
            if self.words.has(&own) {
                own
            } else {
                format!("other.{part}")
            }
        };
        let (killed_among, injured_among) = (
            self.among(killed_women, killed_children)?,
            self.among(injured_women, injured_children)?,
        );
        let killed_values = [("killed", "victim", killed)];
        let injured_values = [("injured", "wounded", injured)];
        // A figure of nought is not said, unless both are.
        let casualties = match (killed, injured) {
            (0, 0) => String::new(),
            (_, 0) => self.words.fill_counted(
                "casualties.killed",
                &[("killed_among", &killed_among)],
                &killed_values,
            )?,
            (0, _) => self.words.fill_counted(
                "casualties.injured",
                &[("injured_among", &injured_among)],
                &injured_values,
            )?,
            _ => self.words.fill_counted(
                &key("casualties"),
                &[
                    ("killed_among", &killed_among),
                    ("injured_among", &injured_among),
                ],
                &[killed_values, injured_values].concat(),
            )?,
        };
        let with_casualties = |sentence: String| {
            if casualties.is_empty() {
                sentence
            } else {
                format!("{sentence} {casualties}")
            }
        };
        let communities = ("communities", "community", communities);
        let top = self.top(&report.figures.top_communities)?;
        let month = self.month.as_str();
        let f = &report.figures;
        let mut paragraphs = Vec::new();
        match kind {
            "attack" => {
                let mut first = vec![with_casualties(self.words.fill_counted(
                    "attack.responses",
                    &[("month", month)],
                    &[("responses", "response", incidents)],
                )?)];
                if let Some(year_to_date) = report.year_to_date {
                    first.push(self.words.fill_counted(
                        "attack.year_to_date",
                        &[],
                        &[("year_to_date", "attack", year_to_date)],
                    )?);
                }
                paragraphs.push(first.join(" "));
                let mut second = Vec::new();
                for (part, entries) in [
                    ("by_perpetrator", &f.by_perpetrator),
                    ("by_weapon", &f.by_weapon),
                ] {
                    if !entries.is_empty() {
                        second.push(self.words.fill(
                            &format!("attack.{part}"),
                            &[("list", &self.counts(entries)?)],
                        )?);
                    }
                }
                paragraphs.push(second.join(" "));
                let mut third = vec![self.words.fill_counted(
                    "attack.communities",
                    &[("top", &top)],
                    &[communities],
                )?];
                if !f.by_place_type.is_empty() {
                    third.push(self.words.fill(
                        "attack.by_place_type",
                        &[("list", &self.counts(&f.by_place_type)?)],
                    )?);
                }
                paragraphs.push(third.join(" "));
            }
            "fire" => {
                paragraphs.push(with_casualties(self.words.fill_counted(
                    "fire.count",
                    &[("month", month), ("top", &top)],
                    &[("fires", "fire", incidents), communities],
                )?));
                let mut second = Vec::new();
                if !f.by_place_type.is_empty() {
                    second.push(self.words.fill(
                        "fire.by_place_type",
                        &[("list", &self.counts(&f.by_place_type)?)],
                    )?);
                }
                if !f.by_cause.is_empty() {
                    second.push(
                        self.words
                            .fill("fire.by_cause", &[("list", &self.percents(&f.by_cause)?)])?,
                    );
                }
                paragraphs.push(second.join(" "));
            }
            "traffic_accident" => {
                paragraphs.push(with_casualties(self.words.fill_counted(
                    "traffic_accident.count",
                    &[("month", month), ("top", &top)],
                    &[("accidents", "accident", incidents), communities],
                )?));
                let mut second = Vec::new();
                for (part, entries) in [("by_vehicle", &f.by_vehicle), ("by_cause", &f.by_cause)] {
                    if !entries.is_empty() {
                        second.push(self.words.fill(
                            &format!("traffic_accident.{part}"),
                            &[("list", &self.percents(entries)?)],
                        )?);
                    }
                }
                paragraphs.push(second.join(" "));
            }
            "drowning" => paragraphs.push(with_casualties(self.words.fill_counted(
                "drowning.count",
                &[("month", month)],
                &[("drownings", "drowning", incidents)],
            )?)),
            _ => paragraphs.push(with_casualties(self.words.fill_counted(
                "other.count",
                &[("month", month)],
                &[("incidents", "incident", incidents), communities],
            )?)),
        }
        paragraphs.retain(|p| !p.is_empty());
        Ok(paragraphs)
    }
}

fn bars(entries: &[BreakdownEntry], language: Language, percent: bool) -> Vec<Bar> {
    entries
        .iter()
        .map(|entry| Bar {
            label: label(entry, language).to_owned(),
            value: entry.count,
            text: if percent {
                format!("{:.0}%", entry.percent)
            } else {
                entry.count.to_string()
            },
        })
        .collect()
}

/// The report's charts, in order, each drawn from the figures its text gives: killed and
/// injured in attacks by women, children and others; attacks by weapon; fires by place;
/// traffic accidents by cause. A chart whose kind is absent or withheld is left out.
pub fn charts(report: &MonthlyReport, words: &Words) -> Result<Vec<BarChart>, WordsError> {
    let language = words.language();
    let colour = |kind: &str| palette::incident_kind(kind).to_string();
    let mut charts = Vec::new();
    let present = |kind: &str| {
        report
            .kinds
            .get(kind)
            .filter(|k| k.figures.figures.incidents.is_some())
    };
    if let Some(attack) = present("attack") {
        let f = &attack.figures.figures;
        let value = |v: Option<u64>| v.unwrap_or(0);
        let group =
            |label: &str, total: u64, women: u64, children: u64| -> Result<BarGroup, WordsError> {
                let others = total.saturating_sub(women + children);
                Ok(BarGroup {
                    label: Some(words.text(label)?.to_owned()),
                    bars: [
                        ("label.women", women),
                        ("label.children", children),
                        ("label.others", others),
                    ]
                    .into_iter()
                    .map(|(key, value)| {
                        Ok(Bar {
                            label: words.text(key)?.to_owned(),
                            value,
                            text: value.to_string(),
                        })
                    })
                    .collect::<Result<_, WordsError>>()?,
                })
            };
        charts.push(BarChart {
            id: "casualties".into(),
            title: words.text("chart.casualties")?.to_owned(),
            groups: vec![
                group(
                    "label.killed",
                    value(f.killed),
                    value(f.killed_women),
                    value(f.killed_children),
                )?,
                group(
                    "label.injured",
                    value(f.injured),
                    value(f.injured_women),
                    value(f.injured_children),
                )?,
            ],
            colour: colour("attack"),
        });
        if !attack.figures.by_weapon.is_empty() {
            charts.push(BarChart {
                id: "weapons".into(),
                title: words.text("chart.weapons")?.to_owned(),
                groups: vec![BarGroup {
                    label: None,
                    bars: bars(&attack.figures.by_weapon, language, false),
                }],
                colour: colour("attack"),
            });
        }
    }
    if let Some(fire) = present("fire").filter(|f| !f.figures.by_place_type.is_empty()) {
        charts.push(BarChart {
            id: "fire-places".into(),
            title: words.text("chart.fire_places")?.to_owned(),
            groups: vec![BarGroup {
                label: None,
                bars: bars(&fire.figures.by_place_type, language, false),
            }],
            colour: colour("fire"),
        });
    }
    if let Some(accidents) = present("traffic_accident").filter(|a| !a.figures.by_cause.is_empty())
    {
        charts.push(BarChart {
            id: "accident-causes".into(),
            title: words.text("chart.accident_causes")?.to_owned(),
            groups: vec![BarGroup {
                label: None,
                bars: bars(&accidents.figures.by_cause, language, true),
            }],
            colour: colour("traffic_accident"),
        });
    }
    Ok(charts)
}

/// The kind a chart belongs to.
fn chart_kind(id: &str) -> &'static str {
    match id {
        "fire-places" => "fire",
        "accident-causes" => "traffic_accident",
        _ => "attack",
    }
}

/// The month as the report writes it.
pub fn month_words(report: &super::Month, words: &Words) -> Result<String, WordsError> {
    use chrono::Datelike as _;
    words.month(report.first.year(), report.first.month())
}

/// The map's caption (`Map 1: military attacks during April 2024`).
pub fn map_caption(month: &super::Month, words: &Words) -> Result<String, WordsError> {
    words.fill(
        "caption.map",
        &[("n", "1"), ("month", &month_words(month, words)?)],
    )
}

/// The report worded in `words`' language: its sections, charts (numbered in order), the
/// map of the month's attacks when `map_svg` is given, and its sources.
pub fn document(
    report: &MonthlyReport,
    month: &super::Month,
    words: &Words,
    provenance: Provenance<'_>,
    map_svg: Option<String>,
    downloads: Option<Downloads>,
) -> Result<Document, WordsError> {
    let language = words.language();
    let month_text = month_words(month, words)?;
    let writer = Writer {
        words,
        month: month_text.clone(),
    };
    let mut charts = charts(report, words)?;
    let mut map_svg = map_svg;
    let mut numbered = 0;
    let mut sections = Vec::new();
    for (kind, kind_report) in kinds_in_order(report) {
        let heading_key = format!("heading.{kind}");
        let heading = if words.has(&heading_key) {
            words.text(&heading_key)?.to_owned()
        } else if language == Language::Arabic {
            kind_report.figures.label_ar.clone()
        } else {
            kind_report.figures.label_en.clone()
        };
        let mut figures = Vec::new();
        let (mine, rest): (Vec<_>, Vec<_>) =
            charts.into_iter().partition(|c| chart_kind(&c.id) == kind);
        charts = rest;
        for chart in mine {
            numbered += 1;
            figures.push(Figure {
                id: chart.id.clone(),
                caption: words.fill(
                    "caption.chart",
                    &[("n", &numbered.to_string()), ("title", &chart.title)],
                )?,
                svg: chart.svg(language),
                chart: Some(chart),
            });
        }
        if kind == "attack"
            && let Some(svg) = map_svg.take()
        {
            figures.push(Figure {
                id: "map".into(),
                caption: map_caption(month, words)?,
                svg,
                chart: None,
            });
        }
        sections.push(Section {
            kind: kind.clone(),
            heading,
            paragraphs: writer.paragraphs(kind, kind_report)?,
            figures,
        });
    }
    let provenance = match provenance {
        Provenance::Live => words.text("live")?.to_owned(),
        Provenance::Release { id, sha256, .. } => {
            words.fill("release", &[("id", id), ("hash", sha256)])?
        }
    };
    let (lang, dir) = Document::language_codes(language);
    Ok(Document {
        lang,
        dir,
        title: words.text("title")?.to_owned(),
        month: month_text.clone(),
        provenance,
        sections,
        sources_heading: words.text("heading.sources")?.to_owned(),
        sources: vec![
            words.fill("sources.figures", &[("month", &month_text)])?,
            athar_gazetteer::GAZETTEER_ATTRIBUTION.to_owned(),
            words.text("sources.boundaries")?.to_owned(),
        ],
        page: words.text("page")?.to_owned(),
        page_of: words.text("page.of")?.to_owned(),
        download: words.text("download")?.to_owned(),
        downloads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn community(name_en: &str, name_ar: &str, count: u64) -> CommunityEntry {
        CommunityEntry {
            change: None,
            community_id: name_en.to_owned(),
            count: Some(count),
            injured: None,
            killed: None,
            lat: None,
            lon: None,
            name_ar: Some(name_ar.to_owned()),
            name_en: Some(name_en.to_owned()),
            pcode: None,
            previous_count: None,
            rank: None,
            status: "reference".into(),
            suppressed: None,
        }
    }

    fn top(language: Language, entries: &[CommunityEntry]) -> String {
        let words = Words::bundled(language);
        Writer {
            words: &words,
            month: String::new(),
        }
        .top(entries)
        .unwrap()
    }

    /// Ranks that tie are said as ties, in both languages; at most three ranks and five
    /// names; a first rank shared by more than five is said as none having more.
    #[test]
    fn the_communities_with_the_most_are_said_with_their_ties() {
        let tied = [
            community("Idleb", "إدلب", 9),
            community("Sarmada", "سرمدا", 9),
            community("Dana", "الدانا", 4),
            community("Bara", "البارة", 3),
        ];
        assert_eq!(
            top(Language::English, &tied),
            "Idleb and Sarmada saw the most (9 each), then Dana (4), then Bara (3)"
        );
        assert_eq!(
            top(Language::Arabic, &tied),
            "وكان أكثرها في إدلب وسرمدا (9 لكل منهما)، ثم الدانا (4)، ثم البارة (3)"
        );
        let plain = [
            community("Ftireh", "فطيرة", 14),
            community("Kansafra", "كنصفرة", 11),
        ];
        assert_eq!(
            top(Language::English, &plain),
            "Ftireh saw the most (14), then Kansafra (11)"
        );
        // A rank that would pass five names is left out.
        let crowded = [
            community("A", "أ", 5),
            community("B", "ب", 4),
            community("C", "ج", 4),
            community("D", "د", 4),
            community("E", "ه", 3),
            community("F", "و", 3),
        ];
        assert_eq!(
            top(Language::English, &crowded),
            "A saw the most (5), then B, C and D (4 each)"
        );
        // Three tied: each of them (لكل منها); none shown: said to be withheld.
        let three = [
            community("A", "أ", 5),
            community("B", "ب", 5),
            community("C", "ج", 5),
        ];
        assert_eq!(
            top(Language::Arabic, &three),
            "وكان أكثرها في أ، ب وج (5 لكل منها)"
        );
        let mut withheld = community("A", "أ", 5);
        withheld.count = None;
        assert_eq!(
            top(Language::English, &[withheld]),
            "the count of each is withheld from readers without a token"
        );
        let spread: Vec<CommunityEntry> = (0..7)
            .map(|i| community(&format!("P{i}"), "م", 1))
            .collect();
        assert_eq!(top(Language::English, &spread), "none saw more than 1");
    }
}
