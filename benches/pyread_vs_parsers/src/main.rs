//! Times velo's hand-written Python reader against three parser crates on real settings files,
//! and checks what each still reads when the file has a syntax error elsewhere.
//! Usage: pyparse-bench FILE.py... (release build; iterations interleaved per file).
use std::time::{Duration, Instant};

/// (classes, annotated fields inside classes) as each reader sees them.
type Counts = (usize, usize);

fn velo_read(src: &str) -> Option<Counts> {
    let f = velo::env_check::settings::read("x.py", src, None).ok()?;
    Some((
        f.models.len(),
        f.models.iter().map(|m| m.fields.len()).sum(),
    ))
}

fn ruff_read(src: &str, recover: bool) -> Option<Counts> {
    use ruff_python_ast::Stmt;
    let parsed = if recover {
        ruff_python_parser::parse_unchecked_source(src, ruff_python_ast::PySourceType::Python)
    } else {
        ruff_python_parser::parse_module(src).ok()?
    };
    let mut c = (0, 0);
    fn walk(stmts: &[Stmt], c: &mut Counts) {
        for s in stmts {
            if let Stmt::ClassDef(k) = s {
                c.0 += 1;
                c.1 += k
                    .body
                    .iter()
                    .filter(|b| matches!(b, Stmt::AnnAssign(_)))
                    .count();
                walk(&k.body, c);
            }
        }
    }
    walk(&parsed.syntax().body, &mut c);
    Some(c)
}

fn rustpython_read(src: &str) -> Option<Counts> {
    use rustpython_parser::ast::{Mod, Stmt};
    let m = rustpython_parser::parse(src, rustpython_parser::Mode::Module, "x.py").ok()?;
    let Mod::Module(m) = m else { return None };
    let mut c = (0, 0);
    fn walk(stmts: &[Stmt], c: &mut Counts) {
        for s in stmts {
            if let Stmt::ClassDef(k) = s {
                c.0 += 1;
                c.1 += k
                    .body
                    .iter()
                    .filter(|b| matches!(b, Stmt::AnnAssign(_)))
                    .count();
                walk(&k.body, c);
            }
        }
    }
    walk(&m.body, &mut c);
    Some(c)
}

fn ts_read(p: &mut tree_sitter::Parser, src: &str) -> Option<(Counts, usize)> {
    let tree = p.parse(src, None)?;
    let mut c = (0, 0);
    let mut errors = 0;
    fn walk(n: tree_sitter::Node, c: &mut Counts, errors: &mut usize, in_class: bool) {
        if n.is_error() || n.is_missing() {
            *errors += 1;
        }
        let kind = n.kind();
        if kind == "class_definition" {
            c.0 += 1;
        }
        if in_class && kind == "assignment" && n.child_by_field_name("type").is_some() {
            c.1 += 1;
        }
        let mut cur = n.walk();
        for ch in n.children(&mut cur) {
            // fields: the class body's direct statements only
            let inside = kind == "class_definition"
                || (in_class && kind == "block")
                || (in_class && kind == "expression_statement");
            walk(ch, c, errors, inside && kind != "function_definition");
        }
    }
    walk(tree.root_node(), &mut c, &mut errors, false);
    Some((c, errors))
}

fn time<F: FnMut()>(total: &mut Duration, mut f: F) {
    let t = Instant::now();
    f();
    *total += t.elapsed();
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let mut ts = tree_sitter::Parser::new();
    ts.set_language(&tree_sitter_python::LANGUAGE.into())
        .unwrap();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    println!(
        "file\tbytes\tvelo_us\truff_us\trustpython_us\ttreesitter_us\tvelo\truff\trustpython\ttreesitter\t| broken: velo\truff_strict\truff_recover\trustpython\ttreesitter(errors)"
    );
    let mut sums = [Duration::ZERO; 4];
    let mut total_bytes = 0;
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap();
        total_bytes += src.len();
        let mut d = [Duration::ZERO; 4];
        for _ in 0..rounds {
            time(&mut d[0], || {
                std::hint::black_box(velo_read(std::hint::black_box(&src)));
            });
            time(&mut d[1], || {
                std::hint::black_box(ruff_read(std::hint::black_box(&src), false));
            });
            time(&mut d[2], || {
                std::hint::black_box(rustpython_read(std::hint::black_box(&src)));
            });
            time(&mut d[3], || {
                std::hint::black_box(ts_read(&mut ts, std::hint::black_box(&src)));
            });
        }
        for i in 0..4 {
            sums[i] += d[i];
        }
        let us = |x: Duration| x.as_secs_f64() * 1e6 / rounds as f64;
        // The same file with a syntax error after everything (an unfinished edit, a 3.14-only form).
        let broken = format!("{src}\ndef unfinished(:\n    pass\n");
        let show = |c: Option<Counts>| c.map_or("FAIL".to_string(), |(a, b)| format!("{a}c/{b}f"));
        let tsb = ts_read(&mut ts, &broken)
            .map_or("FAIL".into(), |(c, e)| format!("{}({e})", show(Some(c))));
        let tsok = ts_read(&mut ts, &src).map(|(c, _)| c);
        println!(
            "{}\t{}\t{:.1}\t{:.1}\t{:.1}\t{:.1}\t{}\t{}\t{}\t{}\t| {}\t{}\t{}\t{}\t{}",
            std::path::Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy(),
            src.len(),
            us(d[0]),
            us(d[1]),
            us(d[2]),
            us(d[3]),
            show(velo_read(&src)),
            show(ruff_read(&src, false)),
            show(rustpython_read(&src)),
            show(tsok),
            show(velo_read(&broken)),
            show(ruff_read(&broken, false)),
            show(ruff_read(&broken, true)),
            show(rustpython_read(&broken)),
            tsb,
        );
    }
    let ms = |x: Duration| x.as_secs_f64() * 1e3 / rounds as f64;
    let mb = total_bytes as f64 / 1e6;
    println!(
        "TOTAL {} files {} bytes, ms per pass: velo {:.2}  ruff {:.2}  rustpython {:.2}  tree-sitter {:.2}  (MB/s: {:.0} {:.0} {:.0} {:.0})",
        files.len(),
        total_bytes,
        ms(sums[0]),
        ms(sums[1]),
        ms(sums[2]),
        ms(sums[3]),
        mb / (ms(sums[0]) / 1e3),
        mb / (ms(sums[1]) / 1e3),
        mb / (ms(sums[2]) / 1e3),
        mb / (ms(sums[3]) / 1e3),
    );
}
