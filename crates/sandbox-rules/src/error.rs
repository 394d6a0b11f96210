//! The crate's one error type.

use thiserror::Error as ThisError;

/// Everything that can go wrong loading rule sets, facts, cases and plans.
///
/// Every variant names the file (or source) and the line at fault, so a program office can
/// go straight to the rule.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// The text is not valid TOML, or a table has a field the format does not know.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// File name as given by the caller.
        file: String,
        /// 1-based line.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A condition, amount or fact file names a fact the schema does not declare.
    #[error("{file}:{line}: unknown fact '{name}' ({context})")]
    UnknownFact {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The unknown name.
        name: String,
        /// Where it was used.
        context: String,
    },
    /// A condition names a parameter the set does not declare.
    #[error("{file}:{line}: unknown parameter '{name}' ({context})")]
    UnknownParam {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The unknown name.
        name: String,
        /// Where it was used.
        context: String,
    },
    /// A value or operator does not fit the declared type.
    #[error("{file}:{line}: type mismatch in {context}: {message}")]
    TypeMismatch {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The rule, fact or parameter concerned.
        context: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A rule can never apply (empty validity, contradictory condition, validity outside
    /// its base rule's).
    #[error("{file}:{line}: rule '{rule}' is unreachable: {reason}")]
    Unreachable {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The rule id.
        rule: String,
        /// Why it can never apply.
        reason: String,
    },
    /// Exceptions form a cycle (a rule is, through others, an exception to itself).
    #[error("{file}:{line}: cyclic exceptions: {cycle}")]
    CyclicException {
        /// File name.
        file: String,
        /// 1-based line of the first rule in the cycle.
        line: usize,
        /// The cycle, `a -> b -> a`.
        cycle: String,
    },
    /// Any other invalid declaration (duplicate id, empty parameter, bad outcome, …).
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong, naming the field and value.
        message: String,
    },
    /// A fact value (in a facts file, a case or a CSV row) does not fit its declared type.
    #[error("{file}:{line}: fact '{fact}': {message}")]
    FactValue {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The fact.
        fact: String,
        /// What is wrong with the value.
        message: String,
    },
    /// An input is larger than this crate accepts.
    #[error("{what}: more than {limit} (the limit)")]
    Limit {
        /// What overflowed.
        what: String,
        /// The limit.
        limit: usize,
    },
    /// An inspection plan or other input is inconsistent.
    #[error("{origin}: {message}")]
    Input {
        /// File or record.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn syntax(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let line = e.span().map(|s| crate::line_of(text, s.start)).unwrap_or(1);
        Error::Syntax {
            file: file.to_string(),
            line,
            message: e.message().to_string(),
        }
    }

    /// The line the error points at, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Syntax { line, .. }
            | Error::UnknownFact { line, .. }
            | Error::UnknownParam { line, .. }
            | Error::TypeMismatch { line, .. }
            | Error::Unreachable { line, .. }
            | Error::CyclicException { line, .. }
            | Error::Invalid { line, .. }
            | Error::FactValue { line, .. } => Some(*line),
            Error::Limit { .. } | Error::Input { .. } => None,
        }
    }
}
