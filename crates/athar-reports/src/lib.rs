//! The monthly report as a document: its words in Arabic and English (below), its
//! charts ([`chart`]), and the document written as HTML ([`document`]) and PDF
//! ([`pdf`]). The words: counted nouns written as each
//! language writes them with a number ([`Words::count`]), from language files a
//! translator edits without touching code (`lang/ar.txt`, `lang/en.txt`, compiled in;
//! their header comments give the rules).
//!
//! ```
//! use athar_core::Language;
//! use athar_reports::Words;
//! let arabic = Words::bundled(Language::Arabic);
//! assert_eq!(arabic.count("attack", 67).unwrap(), "67 هجوماً");
//! assert_eq!(arabic.count("attack", 2).unwrap(), "هجومان");
//! let english = Words::bundled(Language::English);
//! assert_eq!(english.count("attack", 4).unwrap(), "four attacks");
//! ```
#![deny(missing_docs)]

pub mod chart;
pub mod document;
pub mod pdf;

pub use chart::{Bar, BarChart, BarGroup};
pub use document::{Document, Downloads, Figure, Section};
pub use pdf::PdfError;

use std::collections::HashMap;

use athar_core::Language;

const ARABIC: &str = include_str!("../lang/ar.txt");
const ENGLISH: &str = include_str!("../lang/en.txt");

/// A language file that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WordsError {
    /// A line that is not `key = value`.
    #[error("line {line}: expected `key = value`, found '{text}'")]
    Line {
        /// The line's number, from 1.
        line: usize,
        /// What it says.
        text: String,
    },
    /// A counted noun without its forms.
    #[error("line {line}: noun '{key}' needs {needed} forms separated by |, found {found}")]
    Forms {
        /// The line's number, from 1.
        line: usize,
        /// The noun.
        key: String,
        /// How many forms the language needs.
        needed: usize,
        /// How many were given.
        found: usize,
    },
    /// A sentence asked to fill a word it does not have, or left one unfilled.
    #[error("the {language} sentence '{key}' {problem} {{{name}}}")]
    Placeholder {
        /// The language.
        language: &'static str,
        /// The sentence's key.
        key: String,
        /// `has no` or `needs`.
        problem: &'static str,
        /// The word in braces.
        name: String,
    },
    /// A word the report asked for that the file does not have.
    #[error("the {language} words have no '{key}'")]
    Missing {
        /// The language.
        language: &'static str,
        /// The key.
        key: String,
    },
}

/// One language's words.
#[derive(Debug, Clone)]
pub struct Words {
    language: Language,
    entries: HashMap<String, String>,
}

impl Words {
    /// The bundled words of a language.
    ///
    /// # Panics
    /// Never: the bundled files are checked by the tests.
    pub fn bundled(language: Language) -> Self {
        let text = match language {
            Language::Arabic => ARABIC,
            Language::English => ENGLISH,
        };
        Self::parse(language, text).expect("the bundled language files are valid")
    }

    /// Reads a language file.
    ///
    /// # Errors
    /// A line that is not `key = value`, or a noun without the forms its language needs.
    pub fn parse(language: Language, text: &str) -> Result<Self, WordsError> {
        let needed = match language {
            Language::Arabic => 6,
            Language::English => 2,
        };
        let mut entries = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line.split_once('=').ok_or_else(|| WordsError::Line {
                line: index + 1,
                text: line.to_owned(),
            })?;
            let (key, value) = (key.trim(), value.trim());
            // A quoted value keeps the spaces at its ends.
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            if key.is_empty() || value.is_empty() {
                return Err(WordsError::Line {
                    line: index + 1,
                    text: line.to_owned(),
                });
            }
            if key.starts_with("noun.") {
                let found = value.split('|').count();
                if found != needed {
                    return Err(WordsError::Forms {
                        line: index + 1,
                        key: key.to_owned(),
                        needed,
                        found,
                    });
                }
            }
            entries.insert(key.to_owned(), value.to_owned());
        }
        Ok(Self { language, entries })
    }

    fn language_name(&self) -> &'static str {
        match self.language {
            Language::Arabic => "Arabic",
            Language::English => "English",
        }
    }

    fn get(&self, key: &str) -> Result<&str, WordsError> {
        self.entries
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| WordsError::Missing {
                language: self.language_name(),
                key: key.to_owned(),
            })
    }

    /// The language of these words.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The entry `key` as written.
    ///
    /// # Errors
    /// When the file has no such entry.
    pub fn text(&self, key: &str) -> Result<&str, WordsError> {
        self.get(key)
    }

    /// Whether the file has an entry `key`.
    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The sentence `key` with each `{name}` replaced by its value in `values`.
    ///
    /// # Errors
    /// When the file has no such sentence, when the sentence has a word in braces that
    /// `values` does not give, or when it lacks one `values` gives (a translator dropped
    /// it).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> Result<String, WordsError> {
        self.fill_counted(key, values, &[])
    }

    /// Items joined as the language lists them (`a, b and c`; `أ، ب وج`).
    ///
    /// # Errors
    /// When the file has no `list.separator` or `list.last`.
    pub fn list(&self, items: &[String]) -> Result<String, WordsError> {
        let (separator, last) = (self.get("list.separator")?, self.get("list.last")?);
        Ok(match items {
            [] => String::new(),
            [only] => only.clone(),
            [init @ .., final_item] => {
                // Arabic writes و joined to the word that follows it.
                let glue = if self.language == Language::Arabic {
                    last.trim_end()
                } else {
                    last
                };
                format!("{}{glue}{final_item}", init.join(separator))
            }
        })
    }

    /// A month as the report writes it (`April 2024`, `نيسان 2024`).
    ///
    /// # Errors
    /// When the file lacks the month's name or `month`.
    pub fn month(&self, year: i32, month: u32) -> Result<String, WordsError> {
        self.fill(
            "month",
            &[
                ("month_name", self.get(&format!("month.{month}"))?),
                ("year", &year.to_string()),
            ],
        )
    }

    /// `count` of the noun `noun` (`attack`, `fire`, `community`…), as the language writes
    /// a number with its counted noun as the subject of a sentence (the rules are in the
    /// language file's header).
    ///
    /// # Errors
    /// When the file has no such noun.
    pub fn count(&self, noun: &str, count: u64) -> Result<String, WordsError> {
        self.count_as(noun, count, Case::Subject)
    }

    /// `count` of `noun` where the sentence governs it as `case`: Arabic writes 1 and 2
    /// otherwise after a verb or a preposition (مصاباً واحداً، لحريقين); English does not.
    ///
    /// # Errors
    /// When the file has no such noun.
    pub fn count_as(&self, noun: &str, count: u64, case: Case) -> Result<String, WordsError> {
        let forms: Vec<&str> = self
            .get(&format!("noun.{noun}"))?
            .split('|')
            .map(str::trim)
            .collect();
        Ok(match self.language {
            Language::Arabic => {
                let [singular, dual, dual_oblique, plural, accusative, gender] = forms[..] else {
                    unreachable!("checked when read")
                };
                match (count, count % 100) {
                    (0, _) => format!("{} {plural}", self.get("none")?),
                    (1, _) if case == Case::Object => {
                        format!("{accusative} {}", self.get(&format!("one.{gender}.acc"))?)
                    }
                    (1, _) => format!("{singular} {}", self.get(&format!("one.{gender}"))?),
                    (2, _) if case == Case::Subject => dual.to_owned(),
                    (2, _) => dual_oblique.to_owned(),
                    (_, 3..=10) => format!("{count} {plural}"),
                    (_, 11..=99) => format!("{count} {accusative}"),
                    _ => format!("{count} {singular}"),
                }
            }
            Language::English => {
                let [singular, plural] = forms[..] else {
                    unreachable!("checked when read")
                };
                let noun = if count == 1 { singular } else { plural };
                match count {
                    0 => format!("{} {noun}", self.get("none")?),
                    1..=9 => format!("{} {noun}", self.get(&format!("number.{count}"))?),
                    _ => format!("{count} {noun}"),
                }
            }
        })
    }

    /// The sentence `key` with each `{name}` replaced by its value in `texts`, and each
    /// `{name}` or `{name:acc}` / `{name:gen}` by the count of `counts` named so, written
    /// as the sentence governs it ([`Words::count_as`]).
    ///
    /// # Errors
    /// As [`Words::fill`]; also a case other than `acc` or `gen`, or a case on a word that
    /// is not a count.
    pub fn fill_counted(
        &self,
        key: &str,
        texts: &[(&str, &str)],
        counts: &[(&str, &str, u64)],
    ) -> Result<String, WordsError> {
        let template = self.get(key)?;
        let problem = |problem, name: &str| WordsError::Placeholder {
            language: self.language_name(),
            key: key.to_owned(),
            problem,
            name: name.to_owned(),
        };
        let mut filled = String::with_capacity(template.len() + 64);
        let mut used = vec![false; texts.len() + counts.len()];
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            filled.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                return Err(problem("has an unclosed", &rest[open..]));
            };
            let blank = &rest[open + 1..open + close];
            let (name, case) = match blank.split_once(':') {
                None => (blank, Case::Subject),
                Some((name, "acc")) => (name, Case::Object),
                Some((name, "gen")) => (name, Case::AfterPreposition),
                Some(_) => return Err(problem("has an unknown case in", blank)),
            };
            if let Some(index) = texts.iter().position(|(n, _)| *n == name) {
                if case != Case::Subject {
                    return Err(problem("puts a case on a word that is not a count:", blank));
                }
                used[index] = true;
                filled.push_str(texts[index].1);
            } else if let Some(index) = counts.iter().position(|(n, _, _)| *n == name) {
                used[texts.len() + index] = true;
                let (_, noun, count) = counts[index];
                filled.push_str(&self.count_as(noun, count, case)?);
            } else {
                return Err(problem("has no value for", blank));
            }
            rest = &rest[open + close + 1..];
        }
        filled.push_str(rest);
        if let Some(index) = used.iter().position(|used| !used) {
            let name = texts
                .get(index)
                .map_or_else(|| counts[index - texts.len()].0, |(name, _)| *name);
            return Err(problem("lacks", name));
        }
        Ok(filled)
    }
}

/// How a sentence governs a count (Arabic writes 1 and 2 accordingly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// As its subject, or standing alone (هجومان، حريق واحد).
    Subject,
    /// As the object of a verb (أسعفوا مصاباً واحداً، انتشلوا ضحيتين).
    Object,
    /// After a preposition (لحريقين، في تجمعين).
    AfterPreposition,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden texts: the counted nouns for 0–12, 20, 100 and 101, as Arabic writes them.
    #[test]
    fn arabic_counted_nouns_follow_the_rule_of_the_number() {
        let words = Words::bundled(Language::Arabic);
        let counts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 100, 101];
        let of = |noun: &str| -> Vec<String> {
            counts
                .iter()
                .map(|&n| words.count(noun, n).unwrap())
                .collect()
        };
        assert_eq!(
            of("attack"),
            [
                "لا هجمات",
                "هجوم واحد",
                "هجومان",
                "3 هجمات",
                "4 هجمات",
                "5 هجمات",
                "6 هجمات",
                "7 هجمات",
                "8 هجمات",
                "9 هجمات",
                "10 هجمات",
                "11 هجوماً",
                "12 هجوماً",
                "20 هجوماً",
                "100 هجوم",
                "101 هجوم",
            ]
        );
        assert_eq!(
            of("fire"),
            [
                "لا حرائق",
                "حريق واحد",
                "حريقان",
                "3 حرائق",
                "4 حرائق",
                "5 حرائق",
                "6 حرائق",
                "7 حرائق",
                "8 حرائق",
                "9 حرائق",
                "10 حرائق",
                "11 حريقاً",
                "12 حريقاً",
                "20 حريقاً",
                "100 حريق",
                "101 حريق",
            ]
        );
        // As the object of a verb or after a preposition, 1 and 2 change.
        let governed = |noun: &str, n: u64, case: Case| words.count_as(noun, n, case).unwrap();
        assert_eq!(governed("wounded", 1, Case::Object), "مصاباً واحداً");
        assert_eq!(governed("fire", 2, Case::AfterPreposition), "حريقين");
        assert_eq!(governed("victim", 2, Case::Object), "ضحيتين");
        assert_eq!(governed("fire", 1, Case::AfterPreposition), "حريق واحد");
        assert_eq!(governed("fire", 3, Case::AfterPreposition), "3 حرائق");
        assert_eq!(governed("fire", 67, Case::Object), "67 حريقاً");
        // A feminine noun: واحدة, and no alif (nor tanween) on the accusative.
        assert_eq!(words.count("response", 1).unwrap(), "استجابة واحدة");
        assert_eq!(words.count("response", 67).unwrap(), "67 استجابة");
        // Past 100, the last two digits decide.
        assert_eq!(words.count("attack", 103).unwrap(), "103 هجمات");
        assert_eq!(words.count("attack", 150).unwrap(), "150 هجوماً");
        assert_eq!(words.count("attack", 200).unwrap(), "200 هجوم");
    }

    #[test]
    fn english_writes_small_numbers_in_words_and_plurals_past_one() {
        let words = Words::bundled(Language::English);
        let written: Vec<String> = [0, 1, 2, 4, 9, 10, 11, 20, 100, 101]
            .iter()
            .map(|&n| words.count("attack", n).unwrap())
            .collect();
        assert_eq!(
            written,
            [
                "no attacks",
                "one attack",
                "two attacks",
                "four attacks",
                "nine attacks",
                "10 attacks",
                "11 attacks",
                "20 attacks",
                "100 attacks",
                "101 attacks",
            ]
        );
        assert_eq!(words.count("community", 32).unwrap(), "32 communities");
        assert_eq!(words.count("child", 1).unwrap(), "one child");
    }

    #[test]
    fn language_files_with_mistakes_are_refused_naming_the_line() {
        assert_eq!(
            Words::parse(Language::English, "# notes\nnoun.attack = attack\n").unwrap_err(),
            WordsError::Forms {
                line: 2,
                key: "noun.attack".into(),
                needed: 2,
                found: 1
            }
        );
        assert!(matches!(
            Words::parse(Language::Arabic, "no equals sign").unwrap_err(),
            WordsError::Line { line: 1, .. }
        ));
        let words = Words::bundled(Language::Arabic);
        assert!(matches!(
            words.count("volcano", 3).unwrap_err(),
            WordsError::Missing { .. }
        ));
    }

    #[test]
    fn sentences_are_filled_and_refuse_lost_or_unknown_words() {
        let words = Words::bundled(Language::English);
        assert_eq!(
            words
                .fill("item", &[("label", "Artillery shells"), ("count", "44")])
                .unwrap(),
            "Artillery shells (44)"
        );
        // A value the sentence does not use: a translator dropped its braces.
        assert_eq!(
            words
                .fill("item", &[("label", "x"), ("count", "1"), ("extra", "2")])
                .unwrap_err()
                .to_string(),
            "the English sentence 'item' lacks {extra}"
        );
        // A word in braces nobody fills.
        let broken = Words::parse(Language::English, "item = {label} ({cout})").unwrap();
        assert_eq!(
            broken
                .fill("item", &[("label", "x"), ("count", "1")])
                .unwrap_err()
                .to_string(),
            "the English sentence 'item' has no value for {cout}"
        );
    }

    #[test]
    fn counts_in_sentences_are_written_as_the_sentence_governs_them() {
        let arabic = Words::bundled(Language::Arabic);
        let fires = arabic
            .fill_counted(
                "fire.count",
                &[("month", "نيسان 2024"), ("top", "…")],
                &[("fires", "fire", 2), ("communities", "community", 2)],
            )
            .unwrap();
        assert_eq!(
            fires,
            "استجاب المتطوعون لـحريقين في تجمعين خلال شهر نيسان 2024، …."
        );
        let broken = Words::parse(Language::Arabic, "x = {n:dat}").unwrap();
        assert!(broken.fill_counted("x", &[], &[("n", "fire", 1)]).is_err());
        let text_with_case = Words::parse(Language::Arabic, "x = {n:acc}").unwrap();
        assert!(
            text_with_case
                .fill_counted("x", &[("n", "t")], &[])
                .is_err()
        );
    }

    #[test]
    fn lists_and_months_are_written_as_each_language_writes_them() {
        let items = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let english = Words::bundled(Language::English);
        assert_eq!(
            english.list(&items(&["a", "b", "c"])).unwrap(),
            "a, b and c"
        );
        assert_eq!(english.list(&items(&["a"])).unwrap(), "a");
        assert_eq!(english.list(&[]).unwrap(), "");
        let arabic = Words::bundled(Language::Arabic);
        // و joins the last item.
        assert_eq!(
            arabic.list(&items(&["فطيرة", "كنصفرة", "البارة"])).unwrap(),
            "فطيرة، كنصفرة والبارة"
        );
        assert_eq!(english.month(2024, 4).unwrap(), "April 2024");
        assert_eq!(arabic.month(2024, 4).unwrap(), "نيسان 2024");
        assert_eq!(arabic.month(2023, 12).unwrap(), "كانون الأول 2023");
    }

    /// Every sentence and word one language has, the other has too, with the same words
    /// in braces.
    #[test]
    fn both_languages_have_the_same_sentences_with_the_same_blanks() {
        // The words in braces, without the cases Arabic gives its counts.
        let blanks = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
                .map(|name| name.split(':').next().unwrap_or_default().to_owned())
                .collect();
            names.sort();
            names
        };
        let (arabic, english) = (
            Words::bundled(Language::Arabic),
            Words::bundled(Language::English),
        );
        let mut keys: Vec<&String> = arabic.entries.keys().collect();
        keys.sort();
        let mut theirs: Vec<&String> = english
            .entries
            .keys()
            .filter(|k| !k.starts_with("number."))
            .collect();
        theirs.sort();
        let ours: Vec<&String> = keys
            .into_iter()
            .filter(|k| !k.starts_with("one.") && *k != "none")
            .collect();
        let theirs: Vec<&String> = theirs.into_iter().filter(|k| *k != "none").collect();
        assert_eq!(ours, theirs);
        for key in ours {
            assert_eq!(
                blanks(&arabic.entries[key]),
                blanks(&english.entries[key]),
                "{key}"
            );
        }
    }

    /// Both files name the same nouns: a translator who adds one to one file adds it to
    /// the other.
    #[test]
    fn both_languages_have_the_same_nouns() {
        let nouns = |words: &Words| {
            let mut nouns: Vec<String> = words
                .entries
                .keys()
                .filter(|k| k.starts_with("noun."))
                .cloned()
                .collect();
            nouns.sort();
            nouns
        };
        assert_eq!(
            nouns(&Words::bundled(Language::Arabic)),
            nouns(&Words::bundled(Language::English))
        );
    }
}
