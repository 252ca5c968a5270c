//! The header: which column holds which value (names matched case-insensitively, with the
//! common aliases).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Date,
    Open,
    High,
    Low,
    Close,
    Volume,
    AdjClose,
    Symbol,
}

pub(super) const ROLES: usize = 8;

impl Role {
    pub(super) fn from_header(name: &str) -> Option<Self> {
        let n: String = name
            .trim()
            .trim_matches('"')
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match n.as_str() {
            "date" | "time" | "timestamp" | "datetime" | "date/time" => Self::Date,
            "open" | "o" => Self::Open,
            "high" | "h" => Self::High,
            "low" | "l" => Self::Low,
            "close" | "c" => Self::Close,
            "volume" | "vol" | "v" => Self::Volume,
            "adjclose" | "adjustedclose" => Self::AdjClose,
            "symbol" | "ticker" => Self::Symbol,
            _ => return None,
        })
    }

    pub(super) fn from_slot(slot: usize) -> Self {
        [
            Self::Date,
            Self::Open,
            Self::High,
            Self::Low,
            Self::Close,
            Self::Volume,
            Self::AdjClose,
            Self::Symbol,
        ][slot]
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Date => "Date",
            Self::Open => "Open",
            Self::High => "High",
            Self::Low => "Low",
            Self::Close => "Close",
            Self::Volume => "Volume",
            Self::AdjClose => "Adj Close",
            Self::Symbol => "Symbol",
        }
    }

    pub(super) fn hint(self) -> &'static str {
        match self {
            Self::Date => "Timestamp, Time and Datetime are accepted for Date",
            Self::Volume => "Vol is accepted for Volume",
            Self::AdjClose => "--adjusted needs an `Adj Close` column",
            _ => "expected Date,Open,High,Low,Close,Volume",
        }
    }
}
