//! How the broker's settings are written on the command line and in velo.toml: commissions
//! (`0.1%+1,min=2`), trade sizes (`50%`, `2.5u`), stop distances (`5%`) and the intrabar
//! order. Each parser says which values are allowed and why (a commission is a cost, so it is
//! never negative).

use super::{Commission, Intrabar, Sizing};

/// A setting's text that is not a value it takes; each quotes the text and says what is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("{0:?}: a distance from the entry price is more than 0 (e.g. 0.05 or 5%); the side follows the position (below the entry for a long, above it for a short), so it is never negative")]
    NegativeDistance(String),
    #[error("{0:?} is not a distance from the entry price: use a fraction or a percent, more than 0 and below 1000%, e.g. 0.05 or 5%")]
    Distance(String),
    #[error("{0:?} is not RATE[+FIXED][,min=M]: e.g. 0.002, 0.1%, 0.001+1, 0.001+1,min=2")]
    CommissionSyntax(String),
    #[error("{0:?}: a commission is a cost of each order: the rate must be at least 0 and below 1 (0.002 or 0.2%), the fixed amount and the minimum 0 or more (a negative one would pay the strategy for trading)")]
    CommissionRange(String),
    #[error(
        "{0:?}: fixed units must be a number more than 0, e.g. 10u or 0.25u ({NEVER_NEGATIVE})"
    )]
    Units(String),
    #[error("{0:?} is not a size: a fraction of cash more than 0 and at most 1 (0.5 or 50%), or fixed units (10u); {NEVER_NEGATIVE}")]
    Size(String),
    #[error("{0:?} is not an intrabar order: use pessimistic, optimistic or open-first")]
    Intrabar(String),
}

const NEVER_NEGATIVE: &str = "a size is never negative: a sell signal opens the short";

/// A fraction or a percent (`0.05`, `5%`), finite.
fn pct(s: &str) -> Option<f64> {
    let s = s.trim();
    let v = if let Some(p) = s.strip_suffix('%') {
        p.trim().parse::<f64>().ok()? / 100.0
    } else {
        s.parse::<f64>().ok()?
    };
    v.is_finite().then_some(v)
}

/// A distance from the entry price (`--stop-loss`, `--take-profit`).
pub fn fraction(s: &str) -> Result<f64, SettingError> {
    match pct(s) {
        Some(v) if v > 0.0 && v < 10.0 => Ok(v),
        Some(v) if v <= 0.0 => Err(SettingError::NegativeDistance(s.to_string())),
        _ => Err(SettingError::Distance(s.to_string())),
    }
}

/// `RATE[+FIXED][,min=M]`.
pub fn commission(s: &str) -> Result<Commission, SettingError> {
    let bad = || SettingError::CommissionSyntax(s.to_string());
    let (amount, min) = match s.split_once(',') {
        Some((m, rest)) => {
            let v = rest.trim().strip_prefix("min=").ok_or_else(bad)?;
            (m, v.trim().parse::<f64>().map_err(|_| bad())?)
        }
        None => (s, 0.0),
    };
    // A leading minus belongs to the rate, not to a "+FIXED" split.
    let (rate, fixed) = match amount
        .trim()
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '+')
    {
        Some((at, _)) => {
            let (r, f) = amount.trim().split_at(at);
            (
                pct(r).ok_or_else(bad)?,
                f[1..].trim().parse::<f64>().map_err(|_| bad())?,
            )
        }
        None => (pct(amount).ok_or_else(bad)?, 0.0),
    };
    if !(0.0..1.0).contains(&rate)
        || !fixed.is_finite()
        || fixed < 0.0
        || !min.is_finite()
        || min < 0.0
    {
        return Err(SettingError::CommissionRange(s.to_string()));
    }
    Ok(Commission { rate, fixed, min })
}

/// A fraction of cash (`0.5`, `50%`) or fixed units (`2.5u`).
pub fn size(s: &str) -> Result<Sizing, SettingError> {
    let t = s.trim();
    let units = t
        .strip_suffix("units")
        .or_else(|| t.strip_suffix("unit"))
        .or_else(|| t.strip_suffix('u'));
    if let Some(u) = units {
        return match u.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(Sizing::Units(v)),
            _ => Err(SettingError::Units(s.to_string())),
        };
    }
    match pct(t) {
        Some(v) if v > 0.0 && v <= 1.0 => Ok(Sizing::Fraction {
            fraction: if v >= 1.0 {
                super::engine::FULL_EQUITY
            } else {
                v
            },
            whole: true,
        }),
        _ => Err(SettingError::Size(s.to_string())),
    }
}

/// `pessimistic`, `optimistic` or `open-first`.
pub fn intrabar(s: &str) -> Result<Intrabar, SettingError> {
    match s {
        "pessimistic" => Ok(Intrabar::Pessimistic),
        "optimistic" => Ok(Intrabar::Optimistic),
        "open-first" => Ok(Intrabar::OpenFirst),
        _ => Err(SettingError::Intrabar(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commission_forms() {
        assert_eq!(
            commission("0.002").unwrap(),
            Commission {
                rate: 0.002,
                fixed: 0.0,
                min: 0.0
            }
        );
        let c = commission("0.1%+1.5,min=2").unwrap();
        assert!((c.rate - 0.001).abs() < 1e-18);
        assert_eq!((c.fixed, c.min), (1.5, 2.0));
        assert!(commission("abc").is_err());
        assert!(commission("0.001,max=3").is_err());
    }

    #[test]
    fn size_forms() {
        assert_eq!(
            size("50%").unwrap(),
            Sizing::Fraction {
                fraction: 0.5,
                whole: true
            }
        );
        assert_eq!(size("2.5u").unwrap(), Sizing::Units(2.5));
        assert!(size("1.5").is_err());
        assert!(size("-1u").is_err());
    }
}
