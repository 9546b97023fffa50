//! The XLSForm for recording one incident.
//!
//! Sheets `survey`, `choices` and `settings`, as pyxform reads them. Questions sit in a
//! group `incident` (so KoboToolbox posts `incident/kind`) and are named by the incident
//! fields; the geopoint is `location`; choice values are vocabulary slugs. The community
//! question (`community_pcode`) offers the gazetteer's places of the governorate chosen
//! before it (`choice_filter`), stores the p-code, and has a last choice `other` that asks
//! for the place's name in `community`. Constraints mirror Athar's validation: no date in
//! the future, women and children each and together within their total, counts not
//! negative; kind-specific questions (perpetrator, weapon, cause, vehicle) are asked only
//! for their kinds (`relevant`), and their choices carry the kinds they apply to
//! (`choice_filter`).

use athar_core::{Language, Vocabularies, VocabularyName};
use rust_xlsxwriter::Workbook;

/// The form's id (`settings.form_id`).
pub const FORM_ID: &str = "athar_incident";

/// A place offered by the community question.
#[derive(Debug, Clone, PartialEq)]
pub struct FormPlace {
    /// Its p-code, the choice's value.
    pub pcode: String,
    /// Its Arabic name.
    pub name_ar: String,
    /// Its English name.
    pub name_en: String,
    /// Its governorate's p-code (`SY07`).
    pub admin1_pcode: String,
    /// Its governorate's name.
    pub admin1_name: String,
}

impl FormPlace {
    /// The places of a gazetteer that have p-codes and governorates, in p-code order.
    pub fn of(communities: &[athar_gazetteer::Community]) -> Vec<Self> {
        let mut places: Vec<Self> = communities
            .iter()
            .filter_map(|c| {
                Some(Self {
                    pcode: c.pcode.clone()?,
                    name_en: c.name_en.clone().or_else(|| c.name_ar.clone())?,
                    name_ar: c.name_ar.clone().or_else(|| c.name_en.clone())?,
                    admin1_pcode: c.admin1.pcode.clone()?,
                    admin1_name: c.admin1.name.clone()?,
                })
            })
            .collect();
        places.sort_by(|a, b| a.pcode.cmp(&b.pcode));
        places.dedup_by(|a, b| a.pcode == b.pcode);
        places
    }
}

/// A form that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// The spreadsheet writer failed.
    #[error("the XLSForm could not be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// No language was asked for.
    #[error("a form needs at least one language")]
    NoLanguage,
}

/// A text in each language.
type Labels<'a> = (&'a str, &'a str);

fn language_name(language: Language) -> &'static str {
    match language {
        Language::Arabic => "Arabic (ar)",
        Language::English => "English (en)",
    }
}

fn pick((english, arabic): Labels<'_>, language: Language) -> &str {
    match language {
        Language::Arabic => arabic,
        Language::English => english,
    }
}

/// One row of the survey sheet.
struct Question<'a> {
    kind: String,
    name: &'a str,
    label: Labels<'a>,
    required: bool,
    constraint: Option<(String, Labels<'a>)>,
    relevant: Option<String>,
    choice_filter: Option<&'a str>,
    appearance: Option<&'a str>,
    default: Option<&'a str>,
}

impl<'a> Question<'a> {
    fn new(kind: impl Into<String>, name: &'a str, label: Labels<'a>) -> Self {
        Self {
            kind: kind.into(),
            name,
            label,
            required: false,
            constraint: None,
            relevant: None,
            choice_filter: None,
            appearance: None,
            default: None,
        }
    }
}

/// The vocabulary questions: name, vocabulary and labels.
const VOCABULARY_QUESTIONS: [(&str, VocabularyName, Labels<'static>); 5] = [
    (
        "place_type",
        VocabularyName::PlaceType,
        (
            "Place hit or where it happened",
            "المكان المستهدف أو مكان الحادثة",
        ),
    ),
    (
        "perpetrator",
        VocabularyName::Perpetrator,
        ("Perpetrator", "الجهة المنفذة"),
    ),
    (
        "weapon",
        VocabularyName::Weapon,
        ("Weapon", "السلاح المستخدم"),
    ),
    ("cause", VocabularyName::Cause, ("Cause", "السبب")),
    (
        "vehicle",
        VocabularyName::Vehicle,
        ("Vehicle", "نوع المركبة"),
    ),
];

/// The casualty questions: total, women, children.
const CASUALTIES: [([(&str, Labels<'static>); 3], Labels<'static>); 2] = [
    (
        [
            ("killed", ("People killed", "عدد القتلى")),
            ("killed_women", ("…of them women", "منهم نساء")),
            ("killed_children", ("…of them children", "منهم أطفال")),
        ],
        ("killed", "القتلى"),
    ),
    (
        [
            ("injured", ("People injured", "عدد المصابين")),
            ("injured_women", ("…of them women", "منهم نساء")),
            ("injured_children", ("…of them children", "منهم أطفال")),
        ],
        ("injured", "المصابين"),
    ),
];

/// The XLSForm, as `.xlsx` bytes, labelled in `languages` (the first is the default).
///
/// # Errors
/// No language, or the writer failing.
pub fn xlsform(
    vocabularies: &Vocabularies,
    places: &[FormPlace],
    languages: &[Language],
) -> Result<Vec<u8>, FormError> {
    let Some(&first) = languages.first() else {
        return Err(FormError::NoLanguage);
    };
    let every_kind: Vec<String> = vocabularies
        .terms_of(VocabularyName::Kind)
        .map(|t| t.slug.as_str().to_owned())
        .collect();
    let kinds_clause = |kinds: &[&str]| {
        kinds
            .iter()
            .map(|k| format!("${{kind}} = '{k}'"))
            .collect::<Vec<_>>()
            .join(" or ")
    };

    let mut questions = vec![Question::new(
        "begin_group",
        "incident",
        ("Incident", "الحادثة"),
    )];
    let mut kind = Question::new("select_one kind", "kind", ("What happened", "نوع الحادثة"));
    kind.required = true;
    questions.push(kind);
    let mut day = Question::new("date", "occurred_on", ("Date", "التاريخ"));
    day.required = true;
    day.constraint = Some((
        ". <= today()".into(),
        (
            "The date cannot be in the future",
            "لا يمكن أن يكون التاريخ في المستقبل",
        ),
    ));
    questions.push(day);
    let mut governorate = Question::new("select_one admin1", "admin1", ("Governorate", "المحافظة"));
    governorate.required = true;
    questions.push(governorate);
    let mut community = Question::new(
        "select_one community",
        "community_pcode",
        ("Community", "التجمع السكاني"),
    );
    community.required = true;
    community.choice_filter = Some("admin1=${admin1} or name='other'");
    community.appearance = Some("autocomplete");
    questions.push(community);
    let mut other_place = Question::new(
        "text",
        "community",
        (
            "Name of the place (not in the list)",
            "اسم المكان (غير موجود في القائمة)",
        ),
    );
    other_place.required = true;
    other_place.relevant = Some("${community_pcode} = 'other'".into());
    questions.push(other_place);
    questions.push(Question::new(
        "geopoint",
        "location",
        ("Location", "الموقع"),
    ));
    for (name, vocabulary, label) in VOCABULARY_QUESTIONS {
        let mut question = Question::new(format!("select_one {name}"), name, label);
        question.relevant = vocabulary.kinds().map(kinds_clause);
        question.choice_filter = Some("selected(kinds, ${kind})");
        questions.push(question);
    }
    let casualty_rules: Vec<(String, String, String)> = CASUALTIES
        .iter()
        .map(|([(total, _), (women, _), _], _)| {
            (
                ". >= 0".to_owned(),
                format!(". >= 0 and . <= ${{{total}}}"),
                format!(". >= 0 and . <= ${{{total}}} and . + ${{{women}}} <= ${{{total}}}"),
            )
        })
        .collect();
    for (([total, women, children], _), rules) in CASUALTIES.iter().zip(&casualty_rules) {
        for ((name, label), rule) in [total, women, children]
            .into_iter()
            .zip([&rules.0, &rules.1, &rules.2])
        {
            let mut question = Question::new("integer", name, *label);
            question.required = true;
            question.default = Some("0");
            question.constraint = Some((
                rule.clone(),
                (
                    "Not negative; women and children, each and together, at most the total",
                    "لا يقل عن صفر؛ النساء والأطفال، كل منهما ومعاً، لا يتجاوزون المجموع",
                ),
            ));
            questions.push(question);
        }
    }
    questions.push(Question::new("text", "notes", ("Notes", "ملاحظات")));
    questions.push(Question::new("end_group", "incident", ("", "")));

    let mut book = Workbook::new();
    // The survey sheet.
    let survey = book.add_worksheet().set_name("survey")?;
    let mut header: Vec<String> = vec!["type".into(), "name".into()];
    for language in languages {
        header.push(format!("label::{}", language_name(*language)));
    }
    header.extend(
        [
            "required",
            "relevant",
            "constraint",
            "choice_filter",
            "appearance",
            "default",
        ]
        .map(str::to_owned),
    );
    for language in languages {
        header.push(format!("constraint_message::{}", language_name(*language)));
    }
    for (column, name) in header.iter().enumerate() {
        survey.write_string(0, column as u16, name)?;
    }
    for (index, question) in questions.iter().enumerate() {
        let row = index as u32 + 1;
        let mut cells: Vec<String> = vec![question.kind.clone(), question.name.to_owned()];
        if question.kind == "end_group" {
            cells.truncate(1);
        }
        for language in languages {
            cells.push(pick(question.label, *language).to_owned());
        }
        cells.push(if question.required { "yes" } else { "" }.to_owned());
        cells.push(question.relevant.clone().unwrap_or_default());
        cells.push(
            question
                .constraint
                .as_ref()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
        );
        cells.push(question.choice_filter.unwrap_or_default().to_owned());
        cells.push(question.appearance.unwrap_or_default().to_owned());
        cells.push(question.default.unwrap_or_default().to_owned());
        for language in languages {
            cells.push(
                question
                    .constraint
                    .as_ref()
                    .map(|c| pick(c.1, *language).to_owned())
                    .unwrap_or_default(),
            );
        }
        for (column, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                survey.write_string(row, column as u16, cell)?;
            }
        }
    }

    // The choices sheet.
    let choices = book.add_worksheet().set_name("choices")?;
    let mut header: Vec<String> = vec!["list_name".into(), "name".into()];
    for language in languages {
        header.push(format!("label::{}", language_name(*language)));
    }
    header.extend(["kinds", "admin1"].map(str::to_owned));
    for (column, name) in header.iter().enumerate() {
        choices.write_string(0, column as u16, name)?;
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let choice = |list: &str, name: &str, labels: Labels<'_>, kinds: &str, admin1: &str| {
        let mut cells = vec![list.to_owned(), name.to_owned()];
        for language in languages {
            cells.push(pick(labels, *language).to_owned());
        }
        cells.push(kinds.to_owned());
        cells.push(admin1.to_owned());
        cells
    };
    for term in vocabularies.terms_of(VocabularyName::Kind) {
        rows.push(choice(
            "kind",
            term.slug.as_str(),
            (&term.label_en, &term.label_ar),
            "",
            "",
        ));
    }
    for (list, vocabulary, _) in VOCABULARY_QUESTIONS {
        let kinds = vocabulary
            .kinds()
            .map_or_else(|| every_kind.join(" "), |kinds| kinds.join(" "));
        for term in vocabularies.terms_of(vocabulary) {
            rows.push(choice(
                list,
                term.slug.as_str(),
                (&term.label_en, &term.label_ar),
                &kinds,
                "",
            ));
        }
    }
    let mut governorates: Vec<(&str, &str)> = places
        .iter()
        .map(|p| (p.admin1_pcode.as_str(), p.admin1_name.as_str()))
        .collect();
    governorates.sort_unstable();
    governorates.dedup_by(|a, b| a.0 == b.0);
    for (pcode, name) in &governorates {
        rows.push(choice("admin1", pcode, (name, name), "", ""));
    }
    for place in places {
        rows.push(choice(
            "community",
            &place.pcode,
            (&place.name_en, &place.name_ar),
            "",
            &place.admin1_pcode,
        ));
    }
    rows.push(choice(
        "community",
        "other",
        ("Another place (write its name)", "مكان آخر (اكتب اسمه)"),
        "",
        "",
    ));
    for (index, cells) in rows.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                choices.write_string(index as u32 + 1, column as u16, cell)?;
            }
        }
    }

    // The settings sheet.
    let settings = book.add_worksheet().set_name("settings")?;
    for (column, (name, value)) in [
        ("form_title", pick(("Incident", "حادثة"), first)),
        ("form_id", FORM_ID),
        ("default_language", language_name(first)),
        ("version", "1"),
    ]
    .into_iter()
    .enumerate()
    {
        settings.write_string(0, column as u16, name)?;
        settings.write_string(1, column as u16, value)?;
    }
    Ok(book.save_to_buffer()?)
}
