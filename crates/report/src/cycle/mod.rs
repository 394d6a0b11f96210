//! The annual cycle presented: its steps as printed for people ([`console`]) and its report
//! folder ([`folder`]): the CSV tables behind every number ([`tables`]), the charts
//! ([`charts`]), summary.md ([`markdown`]), index.html ([`html`]) and report.xlsx
//! ([`xlsx`]), in the reader's language.

pub mod charts;
pub mod console;
pub mod folder;
pub mod html;
pub mod markdown;
pub mod tables;
pub mod xlsx;

pub use console::Console;
pub use folder::{REPORT_FILES, write_folder};

use cultivation::Step;

use crate::lang::Lang;
use crate::messages::text;

/// The cycle's steps that have a section of the report, by the section's message key.
const STEP_SECTIONS: [(&str, Step); 7] = [
    ("sec.registry", Step::Registry),
    ("sec.benefits", Step::Benefits),
    ("sec.compute", Step::Compute),
    ("sec.supervision", Step::Supervision),
    ("sec.index", Step::Index),
    ("sec.scenarios", Step::Scenarios),
    ("sec.finance", Step::Finance),
];

/// A step's mark on the console: `[n]`, its number in the cycle.
pub fn step_mark(step: Step) -> String {
    format!("[{}]", step.number())
}

/// A section's title: a step's section numbered as the step is (`3. Compute`, `三、算力调度与算力券`);
/// any other section (targets, the appendix) unnumbered.
pub fn section_title(key: &str, lang: Lang) -> String {
    let title = text(key, lang);
    let Some((_, step)) = STEP_SECTIONS.iter().find(|(k, _)| *k == key) else {
        return title.to_string();
    };
    let n = step.number();
    match lang {
        Lang::En => format!("{n}. {title}"),
        Lang::Zh => {
            const NUMERALS: [&str; 10] =
                ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
            match NUMERALS.get(usize::from(n)) {
                Some(z) => format!("{z}、{title}"),
                None => format!("{n}、{title}"),
            }
        }
    }
}

#[cfg(test)]
mod section_tests {
    use super::*;

    #[test]
    fn sections_are_numbered_as_their_steps() {
        assert_eq!(section_title("sec.compute", Lang::En), "3. Compute");
        assert_eq!(
            section_title("sec.compute", Lang::Zh),
            "三、算力调度与算力券"
        );
        assert_eq!(section_title("sec.finance", Lang::Zh), "七、云量贷");
        assert_eq!(section_title("sec.targets", Lang::En), "Targets");
        assert_eq!(step_mark(Step::Scenarios), "[6]");
        for (key, step) in STEP_SECTIONS {
            assert!(section_title(key, Lang::En).starts_with(&format!("{}. ", step.number())));
        }
    }
}
