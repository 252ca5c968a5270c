//! Arbitrary bytes into backtest's expression parser and type checker: never a panic, and
//! every refusal is an error with a position inside the text (or at its end).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The flags' values are OS strings made text; non-UTF-8 never reaches the parser.
    let text = String::from_utf8_lossy(data);
    if let Err(e) = velo::backtest::expr::check(&text) {
        assert!(e.pos <= text.len(), "position {} beyond {} bytes", e.pos, text.len());
    }
});
