//! Trading-signal building blocks that TA-Lib does not provide or computes differently from the
//! Python backtesters: pandas' rolling mean (bit for bit, the SMA backtesting.py strategies use),
//! rate of change, strict crossovers and the previous-window extremes of a Donchian channel.
//!
//! Like [`super::indicators`], every series function has an `_into` form writing into a
//! caller-owned slice of the input's length (warm-up bars are NaN) and a plain allocating form.

/// pandas' `Series.rolling(n).mean()`, reproduced operation for operation so that its results
/// are the identical doubles (an exact SMA tie decides trades in backtesting.py runs).
///
/// One running sum over the whole series; at each bar the value leaving the window is
/// subtracted (Kahan-compensated, with its own compensation term), then the new value is added
/// (Kahan-compensated, with a second term); mean = sum / count. When the last `count` values
/// are all identical the mean is that value exactly; a window with no negative value cannot
/// have a negative mean (clamped to 0), and symmetrically. First value at bar `n-1`.
pub fn rolling_mean_into(x: &[f64], n: usize, out: &mut [f64]) {
    rolling_means_into(x, [n], [out]);
}

/// [`rolling_mean_into`] into a new vector.
pub fn rolling_mean(x: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    rolling_mean_into(x, n, &mut out);
    out
}

/// [`rolling_mean`] for several window lengths in one pass over `x`, each result the same
/// doubles as its own `rolling_mean`. The windows' running sums are independent chains of
/// dependent additions, so a core works on all of them at once: two windows cost little more
/// than one (a crossover strategy's fast and slow averages).
pub fn rolling_means<const K: usize>(x: &[f64], ns: [usize; K]) -> [Vec<f64>; K] {
    let mut outs: [Vec<f64>; K] = std::array::from_fn(|_| vec![0.0; x.len()]);
    rolling_means_into(x, ns, outs.each_mut().map(Vec::as_mut_slice));
    outs
}

fn rolling_means_into<const K: usize>(x: &[f64], ns: [usize; K], mut outs: [&mut [f64]; K]) {
    for out in &mut outs {
        assert_eq!(x.len(), out.len());
        out.fill(f64::NAN);
    }
    let live = ns.map(|n| n > 0 && x.len() >= n);
    let Some(&first) = x.first() else {
        return;
    };
    let mut st: [RollState; K] = std::array::from_fn(|_| RollState {
        prev_value: first,
        ..RollState::default()
    });
    for i in 0..x.len() {
        for k in 0..K {
            if !live[k] {
                continue;
            }
            let n = ns[k];
            if n == 1 {
                // pandas restarts the sum when the window does not overlap the previous one.
                st[k] = RollState {
                    prev_value: x[i],
                    ..RollState::default()
                };
            } else if i >= n {
                st[k].remove(x[i - n]);
            }
            st[k].add(x[i]);
            // pandas' min_periods = n: a window with a NaN in it has fewer observations.
            if i + 1 >= n {
                outs[k][i] = if st[k].nobs >= n as i64 {
                    st[k].mean()
                } else {
                    f64::NAN
                };
            }
        }
    }
}

/// pandas' `roll_mean` state (`add_mean`/`remove_mean`/`calc_mean` in aggregations.pyx).
#[derive(Default)]
struct RollState {
    nobs: i64,
    neg_ct: i64,
    sum: f64,
    comp_add: f64,
    comp_remove: f64,
    same_run: i64,
    prev_value: f64,
}

impl RollState {
    #[inline]
    fn add(&mut self, val: f64) {
        if val.is_nan() {
            return;
        }
        self.nobs += 1;
        let y = val - self.comp_add;
        let t = self.sum + y;
        self.comp_add = t - self.sum - y;
        self.sum = t;
        if val.is_sign_negative() {
            self.neg_ct += 1;
        }
        #[allow(clippy::float_cmp)] // pandas compares for exact equality
        if val == self.prev_value {
            self.same_run += 1;
        } else {
            self.same_run = 1;
        }
        self.prev_value = val;
    }

    #[inline]
    fn remove(&mut self, val: f64) {
        if val.is_nan() {
            return;
        }
        self.nobs -= 1;
        let y = -val - self.comp_remove;
        let t = self.sum + y;
        self.comp_remove = t - self.sum - y;
        self.sum = t;
        if val.is_sign_negative() {
            self.neg_ct -= 1;
        }
    }

    #[inline]
    fn mean(&self) -> f64 {
        if self.nobs <= 0 {
            return f64::NAN;
        }
        let result = self.sum / self.nobs as f64;
        if self.same_run >= self.nobs {
            self.prev_value
        } else if (self.neg_ct == 0 && result < 0.0) || (self.neg_ct == self.nobs && result > 0.0) {
            0.0
        } else {
            result
        }
    }
}

/// Rate of change in percent, as TA-Lib's ROC: `(x[i] / x[i-n] - 1) * 100`; first value at
/// bar `n`. A zero base gives NaN (no change can be measured from 0).
pub fn roc_into(x: &[f64], n: usize, out: &mut [f64]) {
    assert_eq!(x.len(), out.len());
    out.fill(f64::NAN);
    if n == 0 {
        return;
    }
    for i in n..x.len() {
        let base = x[i - n];
        if base != 0.0 {
            out[i] = (x[i] / base - 1.0) * 100.0;
        }
    }
}

/// [`roc_into`] into a new vector.
pub fn roc(x: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    roc_into(x, n, &mut out);
    out
}

/// pandas' `rolling(n).max()` (`highest`) or `.min()`: the extreme of the `n` bars ending at
/// each bar, current bar included; NaN while a NaN or an infinity (NaN to pandas) is in the
/// window, and for the first `n-1` bars.
pub fn rolling_extreme(x: &[f64], n: usize, highest: bool) -> Vec<f64> {
    let len = x.len();
    let mut out = vec![f64::NAN; len];
    if n == 0 || len < n {
        return out;
    }
    let neutral = if highest {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let clean: Vec<f64> = x
        .iter()
        .map(|&v| if v.is_finite() { v } else { neutral })
        .collect();
    if highest {
        super::indicators::max_into(&clean, n, &mut out);
    } else {
        super::indicators::min_into(&clean, n, &mut out);
    }
    // Bars since the last non-finite value: a window of n needs n of them.
    let mut run = 0usize;
    for (o, v) in out.iter_mut().zip(x) {
        run = if v.is_finite() { run + 1 } else { 0 };
        if run < n {
            *o = f64::NAN;
        }
    }
    out
}

/// Marks every crossing from bar `start` on (at least 1): `out[i]` becomes 1 where `a` crosses
/// strictly above `b` (`a[i-1] < b[i-1]` and `a[i] > b[i]`: backtesting.py's `crossover`, so
/// equality on either bar is not a cross and NaN never crosses) and -1 where it crosses below;
/// other bars are left as they are. One pass over the three series, for a crossover strategy's
/// signal.
pub fn mark_crossings(a: &[f64], b: &[f64], start: usize, out: &mut [i8]) {
    let start = start.max(1);
    let n = out.len().min(a.len()).min(b.len());
    if start >= n {
        return;
    }
    let pairs = a[start - 1..n].windows(2).zip(b[start - 1..n].windows(2));
    for (o, (wa, wb)) in out[start..n].iter_mut().zip(pairs) {
        if wa[0] < wb[0] && wa[1] > wb[1] {
            *o = 1;
        } else if wb[0] < wa[0] && wb[1] > wa[1] {
            *o = -1;
        }
    }
}

/// Shifts a series one bar later in place (`out[i] = x[i-1]`, bar 0 becomes NaN): "the
/// previous `n` bars" from a window that includes the current bar.
pub fn shift_one(x: &mut [f64]) {
    if x.is_empty() {
        return;
    }
    x.copy_within(..x.len() - 1, 1);
    x[0] = f64::NAN;
}

#[cfg(test)]
#[allow(clippy::float_cmp, clippy::many_single_char_names)] // bit-exact expectations are the point
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// True when `a` crosses strictly above `b` at bar `i`: `a[i-1] < b[i-1]` and `a[i] > b[i]`
    /// (backtesting.py's `crossover`: equality on either bar is not a cross; NaN never crosses).
    fn crosses_above(a: &[f64], b: &[f64], i: usize) -> bool {
        i > 0 && a[i - 1] < b[i - 1] && a[i] > b[i]
    }

    /// True when `a` crosses strictly below `b` at bar `i` (`crosses_above(b, a, i)`).
    fn crosses_below(a: &[f64], b: &[f64], i: usize) -> bool {
        crosses_above(b, a, i)
    }

    /// True when series `a` crosses strictly above the constant `level` at bar `i`.
    fn crosses_above_level(a: &[f64], level: f64, i: usize) -> bool {
        i > 0 && a[i - 1] < level && a[i] > level
    }

    #[test]
    fn rolling_mean_warm_up_and_values() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let m = rolling_mean(&x, 3);
        assert!(m[0].is_nan() && m[1].is_nan());
        assert_eq!(&m[2..], &[2.0, 3.0, 4.0]);
        assert!(rolling_mean(&x, 6).iter().all(|v| v.is_nan()));
        assert!(rolling_mean(&x, 0).iter().all(|v| v.is_nan()));
        assert_eq!(rolling_mean(&x, 1), x.to_vec());
    }

    #[test]
    fn rolling_means_in_one_pass_equal_each_alone() {
        let x: Vec<f64> = (0..300)
            .map(|i| 100.0 + (f64::from(i) * 0.7).sin() * 13.0 + f64::from(i % 7) * 0.01)
            .collect();
        for ns in [[10, 20], [1, 5], [0, 3], [5, 400], [299, 300]] {
            let [a, b] = rolling_means(&x, ns);
            for (got, n) in [(a, ns[0]), (b, ns[1])] {
                let want = rolling_mean(&x, n);
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.to_bits(), w.to_bits(), "window {n}");
                }
            }
        }
    }

    #[test]
    fn rolling_mean_of_a_flat_run_is_exact() {
        // 0.1 + 0.2 - 0.1 ... would drift; pandas returns the repeated value itself.
        let x = [0.3, 0.1, 0.7, 0.1, 0.1, 0.1];
        let m = rolling_mean(&x, 3);
        assert_eq!(m[5], 0.1);
    }

    #[test]
    fn rolling_mean_never_flips_sign() {
        let x = [1e17, 1.0, 1.0, 3.0, 0.0, 0.0];
        for v in rolling_mean(&x, 2).into_iter().skip(1) {
            assert!(v >= 0.0);
        }
    }

    #[test]
    fn roc_and_crosses() {
        let x = [10.0, 11.0, 12.1, 0.0, 5.0];
        let r = roc(&x, 1);
        assert!(r[0].is_nan());
        assert!((r[1] - 10.0).abs() < 1e-12);
        assert!(r[4].is_nan()); // base 0
        let a = [1.0, 2.0, 3.0, 3.0, 1.0];
        let b = [2.0, 2.0, 2.0, 3.0, 3.0];
        assert!(!crosses_above(&a, &b, 1)); // equality is not a cross
        assert!(!crosses_above(&a, &b, 2));
        assert!(!crosses_below(&a, &b, 4)); // from equality
        assert!(crosses_above(&[1.0, 3.0], &b[..2], 1));
        assert!(crosses_above_level(&[29.0, 31.0], 30.0, 1));
        // One pass marks the same bars as the per-bar tests.
        let x: Vec<f64> = (0..200).map(|i| (f64::from(i) * 0.3).sin()).collect();
        let y: Vec<f64> = (0..200)
            .map(|i| (f64::from(i) * 0.17).cos() * 0.8)
            .collect();
        for start in [0, 1, 5, 199, 200, 300] {
            let mut marks = vec![0i8; 200];
            mark_crossings(&x, &y, start, &mut marks);
            for (i, &m) in marks.iter().enumerate() {
                let want = if i < start.max(1) {
                    0
                } else if crosses_above(&x, &y, i) {
                    1
                } else if crosses_below(&x, &y, i) {
                    -1
                } else {
                    0
                };
                assert_eq!(m, want, "bar {i} from {start}");
            }
        }
        let mut s = vec![1.0, 2.0, 3.0];
        shift_one(&mut s);
        assert!(s[0].is_nan());
        assert_eq!(&s[1..], &[1.0, 2.0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig { rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha, ..ProptestConfig::default() })]
        #[test]
        fn rolling_mean_is_close_to_the_window_mean(x in proptest::collection::vec(1.0f64..1000.0, 1..200), n in 1usize..30) {
            let m = rolling_mean(&x, n);
            for i in 0..x.len() {
                if i + 1 < n {
                    prop_assert!(m[i].is_nan());
                } else {
                    let want: f64 = x[i + 1 - n..=i].iter().sum::<f64>() / n as f64;
                    prop_assert!((m[i] - want).abs() <= 1e-9 * want.abs());
                }
            }
        }
    }
}
