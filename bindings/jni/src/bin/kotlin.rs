//! `movinet-jni-kotlin --write DIR | --check DIR`: the Kotlin files the JNI declarations make
//! (`NativeBridge.kt`, `MovinetExceptions.kt`), written into the Kotlin package folder `DIR`,
//! or compared with the ones there (exit code 1 and the first difference when they differ).
//! `cargo xtask jni` writes them; `cargo xtask test` checks them.

use std::path::Path;
use std::process::ExitCode;

fn files() -> [(&'static str, String); 2] {
    [
        ("NativeBridge.kt", movinet_jni::bridge::kotlin_bridge()),
        (
            "MovinetExceptions.kt",
            movinet_jni::bridge::kotlin_exceptions(),
        ),
    ]
}

/// Where two texts first differ, as a message naming the line.
fn first_difference(name: &str, checked_in: &str, generated: &str) -> Option<String> {
    if checked_in == generated {
        return None;
    }
    let (a, b): (Vec<&str>, Vec<&str>) =
        (checked_in.lines().collect(), generated.lines().collect());
    let line = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(a.len());
    Some(format!(
        "{name}:{}: is\n    {}\nbut the JNI library declares\n    {}",
        line + 1,
        a.get(line).copied().unwrap_or("<end of file>"),
        b.get(line).copied().unwrap_or("<end of file>"),
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, dir) = match args.as_slice() {
        [m, d] if m == "--write" || m == "--check" => (m.as_str(), Path::new(d)),
        _ => {
            eprintln!("usage: movinet-jni-kotlin --write DIR | --check DIR");
            return ExitCode::from(2);
        }
    };
    let mut drift = Vec::new();
    for (name, text) in files() {
        let path = dir.join(name);
        if mode == "--write" {
            if let Err(e) = std::fs::write(&path, &text) {
                eprintln!("movinet-jni-kotlin: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!("movinet-jni-kotlin: wrote {}", path.display());
            continue;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(d) = first_difference(name, &current, &text) {
            drift.push(d);
        }
    }
    if drift.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "the Kotlin side of the JNI bridge is not what bindings/jni declares (run `cargo xtask jni` \
         and commit the result):\n{}",
        drift.join("\n")
    );
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn a_swapped_parameter_is_reported_at_its_line() {
        let generated = "a\n        offset0: Int,\n        length0: Int,\n";
        let swapped = "a\n        length0: Int,\n        offset0: Int,\n";
        let d = first_difference("NativeBridge.kt", swapped, generated).unwrap();
        assert!(
            d.starts_with("NativeBridge.kt:2: is\n            length0: Int,\n"),
            "{d}"
        );
        assert_eq!(first_difference("x", generated, generated), None);
        assert!(first_difference("x", "a\n", "a\nb\n")
            .unwrap()
            .contains("<end of file>"));
    }
}
