//! The leak verdict: does memory keep growing, beyond its noise, to the end of the run?
//!
//! The first 20% of the run is warm-up (imports, caches, pools) and is not judged. On the rest
//! (the window) memory is fitted with the Theil–Sen slope (the median of the slopes between all
//! pairs of points: one outlier or a burst of allocations cannot move it), and the fit is judged:
//! - `stable` when the growth over the window is within three times the memory's noise (the
//!   scaled median absolute deviation around the line, with a floor of 64 KiB or 0.2% of the
//!   level, whichever is larger, so a quiet process is not judged on a few pages), or when it
//!   grew and then levelled off: the last half of the window shows no growth beyond its noise
//!   (a cache that fills once, a step, is not a leak);
//! - `leak` when it grows over the window, still grows in its last half at no less than half
//!   the rate, and the line explains the memory (a robust r² ≥ 0.5, from median absolute
//!   deviations, so a process ending or a burst freed at once does not spoil it);
//! - `inconclusive` otherwise (too few samples, slowing growth, or growth too irregular for a
//!   line), with the reason.

use serde::Serialize;

/// Share of the run treated as warm-up.
pub const WARMUP_SHARE: f64 = 0.2;
/// Fewest points in the window for a verdict.
pub const MIN_POINTS: usize = 10;
/// Points used for a fit: longer series are thinned evenly (Theil–Sen is quadratic).
const MAX_FIT_POINTS: usize = 400;

/// The three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Leak,
    Stable,
    Inconclusive,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Self::Leak => "leak",
            Self::Stable => "stable",
            Self::Inconclusive => "inconclusive",
        }
    }
}

/// The fit and the verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Leak {
    /// Theil–Sen slope over the window (None with too few points).
    pub slope_bytes_per_s: Option<f64>,
    /// How well the line explains memory in the window (robust r²: 1 − (MAD of residuals /
    /// MAD of memory)²).
    pub r2: Option<f64>,
    pub verdict: Verdict,
    /// Why, in a sentence.
    pub reason: String,
    /// The window judged: from this time (after warm-up) to the end.
    pub window_start_s: f64,
    pub window_end_s: f64,
    /// The line's value at `window_start_s` (for drawing the fit).
    pub intercept_bytes: Option<f64>,
    /// Robust noise of memory around the line.
    pub noise_bytes: Option<f64>,
}

/// Judges memory samples `(seconds, bytes)` in time order.
pub fn judge(points: &[(f64, f64)]) -> Leak {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return inconclusive(0.0, 0.0, "no samples".to_string());
    };
    let start = first.0 + (last.0 - first.0) * WARMUP_SHARE;
    let window: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0 >= start).collect();
    if window.len() < MIN_POINTS {
        return inconclusive(
            start,
            last.0,
            format!(
                "too few samples after the warm-up ({} of {MIN_POINTS} needed): run longer or sample more often",
                window.len()
            ),
        );
    }
    let fit_pts = thin(&window, MAX_FIT_POINTS);
    let Some((slope, intercept)) = theil_sen(&fit_pts) else {
        return inconclusive(start, last.0, "all samples at one instant".to_string());
    };
    let span = last.0 - start;
    let level = median(window.iter().map(|p| p.1).collect());
    let noise = noise_of(&fit_pts, slope, intercept, level);
    let r2 = r_squared(&fit_pts, slope, intercept);
    let at_start = intercept + slope * start;
    let base = Leak {
        slope_bytes_per_s: Some(slope),
        r2: Some(r2),
        verdict: Verdict::Stable,
        reason: String::new(),
        window_start_s: start,
        window_end_s: last.0,
        intercept_bytes: Some(at_start),
        noise_bytes: Some(noise),
    };
    let growth = slope * span;
    if growth <= 3.0 * noise {
        return Leak {
            reason: format!(
                "no growth beyond the noise after the warm-up ({} over {:.0}s, noise {})",
                signed_size(growth),
                span,
                crate::units::format_size(noise as u64)
            ),
            ..base
        };
    }
    // The last half of the window: does it still grow?
    let mid = start + span / 2.0;
    let tail: Vec<(f64, f64)> = fit_pts.iter().copied().filter(|p| p.0 >= mid).collect();
    if let Some((tail_slope, tail_icpt)) = theil_sen(&tail).filter(|_| tail.len() >= MIN_POINTS / 2)
    {
        let tail_noise = noise_of(&tail, tail_slope, tail_icpt, level);
        let tail_growth = tail_slope * (last.0 - mid);
        if tail_growth <= 3.0 * tail_noise {
            return Leak {
                reason: format!(
                    "grew {} and then levelled off: a step (a cache or pool filling once), not a leak",
                    signed_size(growth)
                ),
                ..base
            };
        }
        if tail_slope < 0.5 * slope {
            return Leak {
                verdict: Verdict::Inconclusive,
                reason: format!(
                    "growth is slowing down ({}/s over the window, {}/s at the end): run longer",
                    signed_size(slope),
                    signed_size(tail_slope)
                ),
                ..base
            };
        }
    }
    if r2 < 0.5 {
        return Leak {
            verdict: Verdict::Inconclusive,
            reason: format!(
                "memory grows ({}/s) but too irregularly for a line (r² {r2:.2})",
                signed_size(slope)
            ),
            ..base
        };
    }
    Leak {
        verdict: Verdict::Leak,
        reason: format!(
            "memory grows steadily at {}/s ({}/min) to the end of the run (r² {r2:.2})",
            signed_size(slope),
            signed_size(slope * 60.0)
        ),
        ..base
    }
}

fn inconclusive(start: f64, end: f64, reason: String) -> Leak {
    Leak {
        slope_bytes_per_s: None,
        r2: None,
        verdict: Verdict::Inconclusive,
        reason,
        window_start_s: start,
        window_end_s: end,
        intercept_bytes: None,
        noise_bytes: None,
    }
}

fn signed_size(v: f64) -> String {
    let s = crate::units::format_size(v.abs() as u64);
    if v < 0.0 {
        format!("-{s}")
    } else {
        format!("+{s}")
    }
}

/// At most `max` points, evenly spread over the series (first and last kept).
fn thin(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max {
        return points.to_vec();
    }
    let step = (points.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| points[((i as f64 * step).round() as usize).min(points.len() - 1)])
        .collect()
}

/// The Theil–Sen line `(slope, intercept)`: the median pairwise slope, and the median of
/// `y - slope * x`. `None` when every x is the same.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let mut slopes = Vec::with_capacity(points.len() * points.len().saturating_sub(1) / 2);
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            let dx = b.0 - a.0;
            if dx.abs() > 1e-9 {
                slopes.push((b.1 - a.1) / dx);
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    let slope = median(slopes);
    let intercept = median(points.iter().map(|p| p.1 - slope * p.0).collect());
    Some((slope, intercept))
}

/// The median (the mean of the two middle values for an even count); 0 for none.
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let n = v.len();
    let cmp = |a: &f64, b: &f64| a.total_cmp(b);
    let (_, hi, _) = v.select_nth_unstable_by(n / 2, cmp);
    let hi = *hi;
    if n % 2 == 1 {
        return hi;
    }
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    f64::midpoint(lo, hi)
}

/// 1.4826 × the median absolute residual (a standard deviation for normal noise), floored.
fn noise_of(points: &[(f64, f64)], slope: f64, intercept: f64, level: f64) -> f64 {
    let resid: Vec<f64> = points
        .iter()
        .map(|p| (p.1 - (intercept + slope * p.0)).abs())
        .collect();
    let mad = 1.4826 * median(resid);
    mad.max(64.0 * 1024.0).max(level.abs() * 0.002)
}

/// A robust r²: `1 - (MAD of the residuals / MAD of memory)²`. Like r², 1 means the line
/// explains memory and 0 that it explains nothing; unlike it, a few outliers (a process ending,
/// a burst freed at once) cannot spoil it.
fn r_squared(points: &[(f64, f64)], slope: f64, intercept: f64) -> f64 {
    let level = median(points.iter().map(|p| p.1).collect());
    let spread = median(points.iter().map(|p| (p.1 - level).abs()).collect());
    let resid = median(
        points
            .iter()
            .map(|p| (p.1 - (intercept + slope * p.0)).abs())
            .collect(),
    );
    if spread <= 0.0 {
        return 0.0;
    }
    (1.0 - (resid / spread).powi(2)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MB: f64 = 1024.0 * 1024.0;

    /// A deterministic noise in [-1, 1] (no random seed).
    fn wobble(i: usize) -> f64 {
        let x = (i as u64).wrapping_mul(2_654_435_761) % 1000;
        x as f64 / 500.0 - 1.0
    }

    fn series(n: usize, dt: f64, f: impl Fn(f64, usize) -> f64) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| {
                let t = i as f64 * dt;
                (t, f(t, i))
            })
            .collect()
    }

    #[test]
    fn a_steady_leak_is_found_with_its_rate() {
        let pts = series(100, 0.1, |t, i| {
            50.0 * MB + 2.0 * MB * t + 0.2 * MB * wobble(i)
        });
        let l = judge(&pts);
        assert_eq!(l.verdict, Verdict::Leak, "{}", l.reason);
        let slope = l.slope_bytes_per_s.unwrap();
        assert!((slope / (2.0 * MB) - 1.0).abs() < 0.02, "{slope}");
        assert!(l.r2.unwrap() > 0.9);
    }

    #[test]
    fn a_process_ending_at_the_end_does_not_hide_a_leak() {
        let pts = series(100, 0.1, |t, i| {
            let helper = if t < 9.5 { 10.0 * MB } else { 0.0 };
            40.0 * MB + helper + 2.0 * MB * t + 0.1 * MB * wobble(i)
        });
        let l = judge(&pts);
        assert_eq!(l.verdict, Verdict::Leak, "{}", l.reason);
        assert!((l.slope_bytes_per_s.unwrap() / (2.0 * MB) - 1.0).abs() < 0.02);
    }

    #[test]
    fn flat_noise_is_stable() {
        let pts = series(200, 0.1, |_, i| 80.0 * MB + 5.0 * MB * wobble(i));
        let l = judge(&pts);
        assert_eq!(l.verdict, Verdict::Stable, "{}", l.reason);
    }

    #[test]
    fn a_step_is_not_a_leak() {
        for at in [0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9] {
            let pts = series(200, 0.1, |t, i| {
                let step = if t >= 20.0 * at { 100.0 * MB } else { 0.0 };
                60.0 * MB + step + 0.3 * MB * wobble(i)
            });
            let l = judge(&pts);
            assert_ne!(l.verdict, Verdict::Leak, "step at {at}: {}", l.reason);
        }
    }

    #[test]
    fn too_short_is_inconclusive() {
        let pts = series(5, 0.1, |t, _| t * MB);
        assert_eq!(judge(&pts).verdict, Verdict::Inconclusive);
        assert_eq!(judge(&[]).verdict, Verdict::Inconclusive);
    }

    #[test]
    fn medians() {
        assert!((median(vec![3.0, 1.0, 2.0]) - 2.0).abs() < 1e-12);
        assert!((median(vec![4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-12);
        let (s, i) =
            theil_sen(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.0), (4.0, 100.0)]).unwrap();
        assert!((s - 2.0).abs() < 1e-9 && (i - 1.0).abs() < 1e-9);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        /// Whatever the level and the noise, a flat series is never a leak.
        #[test]
        fn flat_is_never_a_leak(level in 1.0e6f64..1.0e10, amp in 0.0f64..0.05, phase in 0usize..1000) {
            let pts = series(150, 0.2, |_, i| level * (1.0 + amp * wobble(i + phase)));
            prop_assert_ne!(judge(&pts).verdict, Verdict::Leak);
        }
    }
}
