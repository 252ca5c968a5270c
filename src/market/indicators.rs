//! Technical indicators computed exactly as TA-Lib does (compatibility "default", unstable
//! period 0): the same seeds, warm-up lengths, Wilder smoothing and operation order, so values
//! agree with TA-Lib to the last bits or within 1e-12 relative (see
//! `shared/data/reference/README.md`). Every function is one O(n) pass over its input.
//!
//! Each indicator has an `_into` form writing into caller-owned slices of the input's length
//! (warm-up bars are NaN), so a scan can reuse buffers, and a plain form returning new vectors.
//! Inputs must be finite (the loader guarantees it); a period of 0 gives all-NaN output.

// Formula code reads best in the notation of the formulas (n, k, a, b, x).
#![allow(clippy::many_single_char_names)]

/// TA-Lib's `TA_IS_ZERO`: the threshold below which a divisor counts as zero.
#[inline]
fn is_zero(v: f64) -> bool {
    -0.000_000_01 < v && v < 0.000_000_01
}

#[inline]
fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    fmax(
        fmax(high - low, (high - prev_close).abs()),
        (low - prev_close).abs(),
    )
}

/// `max` for finite values: one `maxsd`, without `f64::max`'s NaN handling.
#[inline]
fn fmax(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

fn nan_fill(out: &mut [f64]) {
    out.fill(f64::NAN);
}

/// Simple moving average; first value at bar `n-1`.
///
/// A running sum updated by `x[i] - x[i-n]`, two bars per step so that only one addition per
/// two bars sits on the dependency chain; within a few ulps of TA-Lib's running sum.
pub fn sma_into(x: &[f64], n: usize, out: &mut [f64]) {
    assert_eq!(x.len(), out.len());
    let len = x.len();
    if n == 0 || len < n {
        return nan_fill(out);
    }
    nan_fill(&mut out[..n - 1]);
    // Multiplying by 1/n instead of dividing: within an ulp, and a division per bar would
    // otherwise bound the loop's throughput.
    let inv = 1.0 / n as f64;
    let mut sum = 0.0;
    for &v in &x[..n] {
        sum += v;
    }
    out[n - 1] = sum * inv;
    let mut i = n;
    while i + 1 < len {
        let d0 = x[i] - x[i - n];
        let d1 = x[i + 1] - x[i + 1 - n];
        out[i] = (sum + d0) * inv;
        sum += d0 + d1;
        out[i + 1] = sum * inv;
        i += 2;
    }
    if i < len {
        sum += x[i] - x[i - n];
        out[i] = sum * inv;
    }
}

/// Exponential moving average, k = 2/(n+1), seeded with the SMA of the first `n` bars.
pub fn ema_into(x: &[f64], n: usize, out: &mut [f64]) {
    assert_eq!(x.len(), out.len());
    ema_seeded_at(x, n, 2.0 / (n as f64 + 1.0), n.saturating_sub(1), out);
}

/// EMA whose seed is the mean of the `n` bars ending at `start` (TA-Lib's internal EMA as MACD
/// calls it); output from `start` on.
fn ema_seeded_at(x: &[f64], n: usize, k: f64, start: usize, out: &mut [f64]) {
    if n == 0 || start + 1 < n || x.len() <= start {
        return nan_fill(out);
    }
    nan_fill(&mut out[..start]);
    let mut sum = 0.0;
    for &v in &x[start + 1 - n..=start] {
        sum += v;
    }
    let mut prev = sum / n as f64;
    out[start] = prev;
    for i in start + 1..x.len() {
        prev = (x[i] - prev) * k + prev;
        out[i] = prev;
    }
}

/// Wilder's RSI; first value at bar `n`. 0 when the window is flat (TA-Lib's convention).
pub fn rsi_into(x: &[f64], n: usize, out: &mut [f64]) {
    assert_eq!(x.len(), out.len());
    if n == 0 || x.len() <= n {
        return nan_fill(out);
    }
    nan_fill(&mut out[..n]);
    let nf = n as f64;
    let nm1 = nf - 1.0;
    let (mut gain, mut loss) = (0.0, 0.0);
    let mut prev = x[0];
    for &v in &x[1..=n] {
        let d = v - prev;
        prev = v;
        if d < 0.0 {
            loss -= d;
        } else {
            gain += d;
        }
    }
    loss /= nf;
    gain /= nf;
    let rsi = |gain: f64, loss: f64| {
        let t = gain + loss;
        if is_zero(t) {
            0.0
        } else {
            100.0 * (gain / t)
        }
    };
    out[n] = rsi(gain, loss);
    // Wilder's step avg = (avg*(n-1) + v)/n, as avg*a + v*b: the same value within an ulp per
    // step (the recursion contracts, so errors do not grow), without a division on the
    // dependency chain, and branch-free.
    let a = nm1 / nf;
    let b = 1.0 / nf;
    let (a2, ab) = (a * a, a * b);
    // Two bars per step: the chain carries avg[i+1] = a²·avg[i-1] + (a·b·v[i] + b·v[i+1]),
    // and avg[i] is computed beside it.
    let mut i = n + 1;
    while i + 1 < x.len() {
        let d0 = x[i] - prev;
        let d1 = x[i + 1] - x[i];
        prev = x[i + 1];
        let (g0, l0) = (fmax(d0, 0.0), fmax(-d0, 0.0));
        let (g1, l1) = (fmax(d1, 0.0), fmax(-d1, 0.0));
        out[i] = rsi(gain * a + g0 * b, loss * a + l0 * b);
        gain = gain * a2 + (g0 * ab + g1 * b);
        loss = loss * a2 + (l0 * ab + l1 * b);
        out[i + 1] = rsi(gain, loss);
        i += 2;
    }
    if i < x.len() {
        let d = x[i] - prev;
        gain = gain * a + fmax(d, 0.0) * b;
        loss = loss * a + fmax(-d, 0.0) * b;
        out[i] = rsi(gain, loss);
    }
}

/// True range: max(high-low, |high-prevClose|, |low-prevClose|); undefined on bar 0.
pub fn trange_into(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    let len = high.len();
    assert!(low.len() == len && close.len() == len && out.len() == len);
    if len == 0 {
        return;
    }
    out[0] = f64::NAN;
    for i in 1..len {
        out[i] = true_range(high[i], low[i], close[i - 1]);
    }
}

/// Average true range (Wilder), seeded with the mean of the first `n` true ranges; first value
/// at bar `n`.
pub fn atr_into(high: &[f64], low: &[f64], close: &[f64], n: usize, out: &mut [f64]) {
    let len = high.len();
    assert!(low.len() == len && close.len() == len && out.len() == len);
    if n == 0 || len <= n {
        return nan_fill(out);
    }
    nan_fill(&mut out[..n]);
    let nf = n as f64;
    let nm1 = nf - 1.0;
    // TA-Lib seeds with its SMA of the true ranges: sum of the first n-1, then the nth.
    let mut sum = 0.0;
    for i in 1..n {
        sum += true_range(high[i], low[i], close[i - 1]);
    }
    sum += true_range(high[n], low[n], close[n - 1]);
    let mut prev = sum / nf;
    out[n] = prev;
    // (prev*(n-1) + tr)/n as prev*a + tr*b, two bars per step: see `rsi_into`.
    let a = nm1 / nf;
    let b = 1.0 / nf;
    let (a2, ab) = (a * a, a * b);
    let mut i = n + 1;
    while i + 1 < len {
        let t0 = true_range(high[i], low[i], close[i - 1]);
        let t1 = true_range(high[i + 1], low[i + 1], close[i]);
        out[i] = prev * a + t0 * b;
        prev = prev * a2 + (t0 * ab + t1 * b);
        out[i + 1] = prev;
        i += 2;
    }
    if i < len {
        prev = prev * a + true_range(high[i], low[i], close[i - 1]) * b;
        out[i] = prev;
    }
}

/// Population variance of each `n`-bar window, in one O(n) pass that keeps the precision of a
/// two-pass computation: the running sums are taken of `x - anchor`, with the anchor moved to
/// the current value (and the sums rebuilt from the window) every `4n` bars, so no large mean
/// is ever squared and subtracted. Agrees with TA-Lib's STDDEV within 1e-11 relative, where a
/// plain one-pass `mean(x²) - mean²` loses up to 1e-8 on small-variance series.
pub fn rolling_variance_into(x: &[f64], n: usize, out: &mut [f64]) {
    rolling_moments(x, n, out, |var| var);
}

fn rolling_moments(x: &[f64], n: usize, out: &mut [f64], finish: impl Fn(f64) -> f64) {
    assert_eq!(x.len(), out.len());
    if n == 0 || x.len() < n {
        return nan_fill(out);
    }
    nan_fill(&mut out[..n - 1]);
    anchored_windows(x, n, |j, _, var| out[j] = finish(var));
}

/// Calls `emit(j, mean, variance)` for every window ending at `j >= n-1` (n >= 1, len >= n).
#[inline]
fn anchored_windows(x: &[f64], n: usize, mut emit: impl FnMut(usize, f64, f64)) {
    let inv = 1.0 / n as f64;
    let period = 4 * n;
    let mut i = n - 1;
    while i < x.len() {
        // Re-anchor on the current value, rebuild the sums of the window's first n-1 values.
        let anchor = x[i];
        let (mut s1, mut s2) = (0.0, 0.0);
        for &v in &x[i + 1 - n..i] {
            let d = v - anchor;
            s1 += d;
            s2 += d * d;
        }
        let stop = (i + period).min(x.len());
        for j in i..stop {
            // The sums carry the window's first n-1 values; adding the newest value and
            // dropping the oldest is one addition each on the dependency chain.
            let d = x[j] - anchor;
            let d_out = x[j + 1 - n] - anchor;
            let mean = (s1 + d) * inv;
            let var = (s2 + d * d) * inv - mean * mean;
            emit(j, anchor + mean, if var > 0.0 { var } else { 0.0 });
            s1 += d - d_out;
            s2 += d * d - d_out * d_out;
        }
        i = stop;
    }
}

/// Population standard deviation of each window times `nbdev`; first value at bar `n-1`.
pub fn stddev_into(x: &[f64], n: usize, nbdev: f64, out: &mut [f64]) {
    rolling_moments(x, n, out, |var| var.sqrt() * nbdev);
}

/// Bollinger Bands over an SMA middle: middle ± k·σ (population σ of the same window), in one
/// pass: the mean and variance both come from the anchored sums of [`rolling_variance_into`].
pub fn bbands_into(
    x: &[f64],
    n: usize,
    k_up: f64,
    k_down: f64,
    upper: &mut [f64],
    middle: &mut [f64],
    lower: &mut [f64],
) {
    assert!(upper.len() == x.len() && middle.len() == x.len() && lower.len() == x.len());
    if n == 0 || x.len() < n {
        nan_fill(upper);
        nan_fill(middle);
        nan_fill(lower);
        return;
    }
    nan_fill(&mut upper[..n - 1]);
    nan_fill(&mut middle[..n - 1]);
    nan_fill(&mut lower[..n - 1]);
    anchored_windows(x, n, |j, mean, var| {
        let sd = var.sqrt();
        middle[j] = mean;
        upper[j] = mean + sd * k_up;
        lower[j] = mean - sd * k_down;
    });
}

/// MACD line, signal and histogram with TA-Lib's seeding: both EMAs start at bar `slow-1` (the
/// fast one seeded with the `fast` bars ending there), the signal EMA is seeded with the first
/// `signal` MACD values, and nothing is output before bar `slow+signal-2`.
pub fn macd_into(
    x: &[f64],
    fast: usize,
    slow: usize,
    signal: usize,
    macd: &mut [f64],
    sig: &mut [f64],
    hist: &mut [f64],
) {
    let len = x.len();
    assert!(macd.len() == len && sig.len() == len && hist.len() == len);
    let (fast, slow) = if slow < fast {
        (slow, fast)
    } else {
        (fast, slow)
    };
    if fast == 0 || signal == 0 || len < slow + signal - 1 {
        nan_fill(macd);
        nan_fill(sig);
        nan_fill(hist);
        return;
    }
    let start = slow - 1;
    // hist holds the slow EMA for a moment.
    ema_seeded_at(x, fast, 2.0 / (fast as f64 + 1.0), start, macd);
    ema_seeded_at(x, slow, 2.0 / (slow as f64 + 1.0), start, hist);
    for i in start..len {
        macd[i] -= hist[i];
    }
    let first = start + signal - 1;
    ema_seeded_at(
        &macd[start..],
        signal,
        2.0 / (signal as f64 + 1.0),
        signal - 1,
        &mut sig[start..],
    );
    nan_fill(&mut sig[..first]);
    nan_fill(&mut macd[..first]);
    for i in 0..len {
        hist[i] = macd[i] - sig[i];
    }
}

/// Wilder's directional movement for one bar: (+DM, -DM), ties give 0 to both.
#[inline]
fn directional(high: &[f64], low: &[f64], i: usize) -> (f64, f64) {
    let diff_p = high[i] - high[i - 1];
    let diff_m = low[i - 1] - low[i];
    let plus = if diff_p > 0.0 && diff_p > diff_m {
        diff_p
    } else {
        0.0
    };
    let minus = if diff_m > 0.0 && diff_p < diff_m {
        diff_m
    } else {
        0.0
    };
    (plus, minus)
}

/// +DI, -DI (from bar `n`) and ADX (from bar `2n-1`), all from the same Wilder sums as TA-Lib.
/// Any of the outputs may be skipped by passing an empty slice.
pub fn dmi_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    n: usize,
    plus_di: &mut [f64],
    minus_di: &mut [f64],
    adx: &mut [f64],
) {
    let len = high.len();
    assert!(low.len() == len && close.len() == len);
    let want = |s: &[f64]| !s.is_empty();
    let (want_p, want_m, want_a) = (want(plus_di), want(minus_di), want(adx));
    for s in [&mut *plus_di, &mut *minus_di, &mut *adx] {
        if !s.is_empty() {
            assert_eq!(s.len(), len);
            nan_fill(s);
        }
    }
    if n < 2 || len <= n {
        return;
    }
    let nf = n as f64;
    let (mut sp, mut sm, mut str_) = (0.0, 0.0, 0.0);
    for i in 1..n {
        let (p, m) = directional(high, low, i);
        sp += p;
        sm += m;
        str_ += true_range(high[i], low[i], close[i - 1]);
    }
    let mut sum_dx = 0.0;
    let mut adx_prev = 0.0;
    for i in n..len {
        let (p, m) = directional(high, low, i);
        sp = sp - sp / nf + p;
        sm = sm - sm / nf + m;
        str_ = str_ - str_ / nf + true_range(high[i], low[i], close[i - 1]);
        let (pdi, mdi) = if is_zero(str_) {
            (0.0, 0.0)
        } else {
            (100.0 * (sp / str_), 100.0 * (sm / str_))
        };
        if want_p {
            plus_di[i] = pdi;
        }
        if want_m {
            minus_di[i] = mdi;
        }
        if !want_a {
            continue;
        }
        // TA-Lib skips the DX of a bar whose TR sum or DI sum is zero.
        let dx = if is_zero(str_) || is_zero(mdi + pdi) {
            None
        } else {
            Some(100.0 * ((mdi - pdi).abs() / (mdi + pdi)))
        };
        match i.cmp(&(2 * n - 1)) {
            std::cmp::Ordering::Less => sum_dx += dx.unwrap_or(0.0),
            std::cmp::Ordering::Equal => {
                sum_dx += dx.unwrap_or(0.0);
                adx_prev = sum_dx / nf;
                adx[i] = adx_prev;
            }
            std::cmp::Ordering::Greater => {
                if let Some(dx) = dx {
                    adx_prev = (adx_prev * (nf - 1.0) + dx) / nf;
                }
                adx[i] = adx_prev;
            }
        }
    }
}

/// Highest value of each `n`-bar window (the current bar included); first value at bar `n-1`.
pub fn max_into(x: &[f64], n: usize, out: &mut [f64]) {
    rolling_extreme(x, n, out, |a, b| a > b);
}

/// Lowest value of each `n`-bar window; first value at bar `n-1`.
pub fn min_into(x: &[f64], n: usize, out: &mut [f64]) {
    rolling_extreme(x, n, out, |a, b| a < b);
}

/// Rolling max/min by van Herk / Gil-Werman: running extremes forward within blocks of `n`
/// bars and backward within the same blocks; a window spans at most two blocks, so its extreme
/// is one comparison of the two. Three comparisons per bar whatever the data, O(n).
fn rolling_extreme(x: &[f64], n: usize, out: &mut [f64], better: impl Fn(f64, f64) -> bool + Copy) {
    assert_eq!(x.len(), out.len());
    let len = x.len();
    if n == 0 || len < n {
        return nan_fill(out);
    }
    let pick = move |a: f64, b: f64| if better(b, a) { b } else { a };
    // Forward extremes within each block, in `out`; backward ones in `back`.
    let mut back = vec![0.0; len];
    for (xs, (fw, bw)) in x.chunks(n).zip(out.chunks_mut(n).zip(back.chunks_mut(n))) {
        let mut m = xs[0];
        for (o, &v) in fw.iter_mut().zip(xs) {
            m = pick(m, v);
            *o = m;
        }
        let mut m = xs[xs.len() - 1];
        for (o, &v) in bw.iter_mut().zip(xs).rev() {
            m = pick(m, v);
            *o = m;
        }
    }
    for i in (n - 1..len).rev() {
        out[i] = pick(back[i + 1 - n], out[i]);
    }
    nan_fill(&mut out[..n - 1]);
}

macro_rules! allocating {
    ($(#[$doc:meta])* $name:ident => $into:ident ( $($arg:ident : $ty:ty),* ) from $len:ident) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> Vec<f64> {
            let mut out = vec![0.0; $len.len()];
            $into($($arg),*, &mut out);
            out
        }
    };
}

allocating!(/// [`sma_into`] into a new vector.
    sma => sma_into(x: &[f64], n: usize) from x);
allocating!(/// [`ema_into`] into a new vector.
    ema => ema_into(x: &[f64], n: usize) from x);
allocating!(/// [`rsi_into`] into a new vector.
    rsi => rsi_into(x: &[f64], n: usize) from x);
allocating!(/// [`trange_into`] into a new vector.
    trange => trange_into(high: &[f64], low: &[f64], close: &[f64]) from high);
allocating!(/// [`atr_into`] into a new vector.
    atr => atr_into(high: &[f64], low: &[f64], close: &[f64], n: usize) from high);
allocating!(/// [`stddev_into`] into a new vector.
    stddev => stddev_into(x: &[f64], n: usize, nbdev: f64) from x);
allocating!(/// [`max_into`] into a new vector.
    max => max_into(x: &[f64], n: usize) from x);
allocating!(/// [`min_into`] into a new vector.
    min => min_into(x: &[f64], n: usize) from x);

/// Three series of one indicator (bands, MACD, DMI).
#[derive(Debug, Clone, PartialEq)]
pub struct Triple {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub c: Vec<f64>,
}

impl Triple {
    fn new(len: usize) -> Self {
        Self {
            a: vec![0.0; len],
            b: vec![0.0; len],
            c: vec![0.0; len],
        }
    }
}

/// [`bbands_into`]: `a` upper, `b` middle, `c` lower.
pub fn bbands(x: &[f64], n: usize, k_up: f64, k_down: f64) -> Triple {
    let mut t = Triple::new(x.len());
    bbands_into(x, n, k_up, k_down, &mut t.a, &mut t.b, &mut t.c);
    t
}

/// [`macd_into`]: `a` MACD line, `b` signal, `c` histogram.
pub fn macd(x: &[f64], fast: usize, slow: usize, signal: usize) -> Triple {
    let mut t = Triple::new(x.len());
    macd_into(x, fast, slow, signal, &mut t.a, &mut t.b, &mut t.c);
    t
}

/// [`dmi_into`]: `a` +DI, `b` -DI, `c` ADX.
pub fn dmi(high: &[f64], low: &[f64], close: &[f64], n: usize) -> Triple {
    let mut t = Triple::new(high.len());
    dmi_into(high, low, close, n, &mut t.a, &mut t.b, &mut t.c);
    t
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact expectations are the point of these tests
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn warmup(v: &[f64]) -> usize {
        v.iter().take_while(|x| x.is_nan()).count()
    }

    fn close_to(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs() + 1e-12
    }

    const X: [f64; 12] = [
        10.0, 11.0, 12.0, 11.0, 13.0, 14.0, 13.0, 15.0, 16.0, 15.0, 17.0, 18.0,
    ];

    #[test]
    fn sma_and_ema_by_hand() {
        let s = sma(&X, 3);
        assert_eq!(warmup(&s), 2);
        assert!(close_to(s[2], 11.0));
        assert!(close_to(s[3], 34.0 / 3.0));
        let e = ema(&X, 3);
        assert_eq!(warmup(&e), 2);
        assert_eq!(e[2], 11.0);
        assert_eq!(e[3], (11.0 - 11.0) * 0.5 + 11.0);
        assert_eq!(e[4], (13.0 - 11.0) * 0.5 + 11.0);
    }

    #[test]
    fn rsi_seed_and_flat_window() {
        let r = rsi(&X, 3);
        assert_eq!(warmup(&r), 3);
        // changes 1, 1, -1: gain 2/3, loss 1/3.
        assert!(close_to(r[3], 100.0 * (2.0 / 3.0) / 1.0));
        let flat = rsi(&[5.0; 10], 3);
        assert_eq!(flat[5], 0.0);
    }

    #[test]
    fn true_range_and_atr() {
        let h = [10.0, 12.0, 11.0, 15.0, 14.0];
        let l = [9.0, 10.0, 8.0, 13.0, 12.0];
        let c = [9.5, 11.0, 9.0, 14.0, 13.0];
        let tr = trange(&h, &l, &c);
        assert!(tr[0].is_nan());
        assert_eq!(&tr[1..], &[2.5, 3.0, 6.0, 2.0]);
        let a = atr(&h, &l, &c, 2);
        assert_eq!(warmup(&a), 2);
        assert_eq!(a[2], 2.75);
        assert_eq!(a[3], 4.375);
    }

    #[test]
    fn macd_warmup_is_slow_plus_signal_minus_two() {
        let x: Vec<f64> = (0..60).map(|i| 100.0 + f64::from(i).sin() * 5.0).collect();
        let m = macd(&x, 12, 26, 9);
        assert_eq!(warmup(&m.a), 33);
        assert_eq!(warmup(&m.b), 33);
        assert_eq!(warmup(&m.c), 33);
        let d = dmi(&x, &x.iter().map(|v| v - 1.0).collect::<Vec<_>>(), &x, 14);
        assert_eq!(warmup(&d.a), 14);
        assert_eq!(warmup(&d.c), 27);
    }

    #[test]
    fn short_inputs_are_all_nan() {
        assert!(sma(&X[..2], 3).iter().all(|v| v.is_nan()));
        assert!(rsi(&X[..3], 3).iter().all(|v| v.is_nan()));
        assert!(macd(&X, 12, 26, 9).a.iter().all(|v| v.is_nan()));
        assert!(sma(&X, 0).iter().all(|v| v.is_nan()));
    }

    /// How far the rolling variance may be from the exact (two-pass) one. Like TA-Lib's
    /// `TA_INT_VAR`, which keeps running sums of x and x² over the whole series, it keeps
    /// running sums (of `x - anchor` and its square, re-anchored every 4n bars). Adding a term
    /// and later subtracting it leaves its rounding error behind: after a value far from the
    /// others has left the window, the variance of the values that remain carries an absolute
    /// error of order eps·n·range², however small that variance is. Summing the rounding of
    /// the at most 4n updates and the rebuild of the sums (each at most eps/2 of a sum bounded
    /// by n·range²), of s2/n and of the squared mean gives less than 16·(n+2)·eps·range². A
    /// relative tolerance cannot hold: with two nearly equal values in the window the exact
    /// variance is near 0 and the error is not (TA-Lib's own, on longer sums, is larger still).
    fn variance_tolerance(x: &[f64], n: usize) -> f64 {
        let (lo, hi) = x
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let range = hi - lo;
        16.0 * (n as f64 + 2.0) * f64::EPSILON * range * range
    }

    #[test]
    fn rolling_variance_after_a_large_value_leaves_the_window() {
        // The case that made a proptest fail by luck: 999 leaves a window of nearly equal
        // values. The error is of the size the tolerance allows, not zero.
        let mut x = vec![999.0, 1.0];
        x.extend((0..40).map(|i| 1.0 + f64::from(i % 3) * 1e-4));
        let n = 3;
        let sd = stddev(&x, n, 1.0);
        let tol = variance_tolerance(&x, n);
        for i in n - 1..x.len() {
            let w = &x[i + 1 - n..=i];
            let mean = w.iter().sum::<f64>() / n as f64;
            let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            assert!(
                (sd[i] * sd[i] - var).abs() <= tol,
                "bar {i}: {} vs {var}",
                sd[i] * sd[i]
            );
        }
        // Windows far from the large value are as exact as the two-pass computation.
        let i = x.len() - 1;
        let w = &x[i + 1 - n..=i];
        let mean = w.iter().sum::<f64>() / n as f64;
        let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        assert!((sd[i] - var.sqrt()).abs() <= 1e-9 * var.sqrt());
    }

    proptest! {
        #![proptest_config(crate::market::proptest_config(256))]

        #[test]
        fn rolling_matches_naive(x in proptest::collection::vec(1.0f64..1000.0, 1..200), n in 1usize..30) {
            let mx = max(&x, n);
            let mn = min(&x, n);
            let sd = stddev(&x, n, 1.0);
            let s = sma(&x, n);
            let tol = variance_tolerance(&x, n);
            for i in 0..x.len() {
                if i + 1 < n {
                    prop_assert!(mx[i].is_nan() && mn[i].is_nan() && sd[i].is_nan() && s[i].is_nan());
                    continue;
                }
                let w = &x[i + 1 - n..=i];
                let mean = w.iter().sum::<f64>() / n as f64;
                let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
                prop_assert_eq!(mx[i], w.iter().copied().fold(f64::MIN, f64::max));
                prop_assert_eq!(mn[i], w.iter().copied().fold(f64::MAX, f64::min));
                prop_assert!(close_to(s[i], mean), "sma {} vs {}", s[i], mean);
                prop_assert!((sd[i] * sd[i] - var).abs() <= tol, "sd² {} vs {} (tolerance {tol})", sd[i] * sd[i], var);
            }
        }
    }
}
