//! `cargo xtask elf --abi ABI FILE...`: checks the shared libraries an Android build packages
//! (`libmovinet_jni.so`, LiteRT's `libLiteRt.so`) before they go into the AAR. The Gradle build
//! runs it on each ABI's pair; the unit tests below run the same code on this machine's ELF
//! files.
//!
//! What it checks, per file:
//! * an ELF64 little-endian shared object for the ABI's machine (AArch64 for `arm64-v8a`,
//!   x86-64 for `x86_64`): a library built for another CPU fails to load at run time;
//! * every `PT_LOAD` segment aligned to at least 16 KB (`p_align` a power of two of 16384 or
//!   more), and its file offset congruent to its address modulo that alignment (the ELF rule
//!   the loader maps by): Android 15 devices may use 16 KB pages, where a 4 KB-aligned library
//!   fails to load, and Google Play requires 16 KB alignment for apps targeting Android 15;
//! * no `DT_NEEDED` entry for `libc++_shared.so`: the AAR does not ship the NDK's shared C++
//!   runtime (each library links its own, statically), so a library that needs it fails to
//!   load unless the app happens to package it.
//!
//! Also [`exported_symbols`], which the JNI drift check uses to compare the library's
//! `Java_dev_movinet_NativeBridge_*` exports with the Kotlin declarations.
//!
//! Only std: a small reader of the ELF header, program headers, the dynamic section and the
//! dynamic symbol table, every offset checked against the file's length.

use std::path::Path;

use crate::Result;

/// Smallest `PT_LOAD` alignment accepted: Android's 16 KB pages.
pub const PAGE_SIZE: u64 = 16384;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const SHT_DYNSYM: u32 = 11;
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// What the checks need of one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub machine: u16,
    /// `(p_offset, p_vaddr, p_align)` of each `PT_LOAD` segment.
    pub loads: Vec<(u64, u64, u64)>,
    /// The `DT_NEEDED` libraries.
    pub needed: Vec<String>,
}

/// Reads the parts of a 64-bit little-endian ELF file the checks need.
pub fn read(bytes: &[u8]) -> Result<ElfInfo> {
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if bytes[4] != 2 {
        return Err(format!(
            "a {}-bit ELF file; Android's 64-bit ABIs need ELF64",
            if bytes[4] == 1 { 32 } else { 0 }
        ));
    }
    if bytes[5] != 1 {
        return Err("not little-endian".into());
    }
    let r = Reader(bytes);
    let machine = r.u16(18)?;
    let phoff = r.u64(32)?;
    let phentsize = u64::from(r.u16(54)?);
    let phnum = u64::from(r.u16(56)?);
    let mut loads = Vec::new();
    let mut dynamic = None;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        let p_type = r.u32(ph)?;
        let (offset, vaddr, filesz, align) = (
            r.u64(ph + 8)?,
            r.u64(ph + 16)?,
            r.u64(ph + 32)?,
            r.u64(ph + 48)?,
        );
        match p_type {
            PT_LOAD => loads.push((offset, vaddr, align)),
            PT_DYNAMIC => dynamic = Some((offset, filesz)),
            _ => {}
        }
    }
    let mut needed = Vec::new();
    if let Some((offset, size)) = dynamic {
        let mut names = Vec::new();
        let mut strtab = None;
        for i in 0..size / 16 {
            let tag = r.u64(offset + i * 16)?;
            let val = r.u64(offset + i * 16 + 8)?;
            match tag {
                DT_NULL => break,
                DT_NEEDED => names.push(val),
                DT_STRTAB => strtab = Some(val),
                _ => {}
            }
        }
        if !names.is_empty() {
            let strtab = strtab.ok_or("DT_NEEDED without DT_STRTAB")?;
            let base = file_offset(&loads, strtab).ok_or("DT_STRTAB outside the file")?;
            for n in names {
                needed.push(r.c_str(base + n)?);
            }
        }
    }
    Ok(ElfInfo {
        machine,
        loads,
        needed,
    })
}

/// The file offset of a virtual address, through the `PT_LOAD` segment that maps it.
fn file_offset(loads: &[(u64, u64, u64)], vaddr: u64) -> Option<u64> {
    loads
        .iter()
        .filter(|(_, v, _)| *v <= vaddr)
        .max_by_key(|(_, v, _)| *v)
        .map(|(o, v, _)| o + (vaddr - v))
}

/// The names of the defined, exported symbols in the dynamic symbol table.
pub fn exported_symbols(bytes: &[u8]) -> Result<Vec<String>> {
    read(bytes)?;
    let r = Reader(bytes);
    let shoff = r.u64(40)?;
    let shentsize = u64::from(r.u16(58)?);
    let shnum = u64::from(r.u16(60)?);
    let section = |i: u64| -> Result<(u32, u64, u64, u32, u64)> {
        let sh = shoff + i * shentsize;
        Ok((
            r.u32(sh + 4)?,
            r.u64(sh + 24)?,
            r.u64(sh + 32)?,
            r.u32(sh + 40)?,
            r.u64(sh + 56)?,
        ))
    };
    let mut out = Vec::new();
    for i in 0..shnum {
        let (kind, offset, size, link, entsize) = section(i)?;
        if kind != SHT_DYNSYM || entsize == 0 {
            continue;
        }
        let (_, strings, _, _, _) = section(u64::from(link))?;
        for s in 1..size / entsize {
            let sym = offset + s * entsize;
            let name = r.u32(sym)?;
            let info = r.u8(sym + 4)?;
            let shndx = r.u16(sym + 6)?;
            // Defined (section index not UNDEF), global or weak binding.
            if shndx != 0 && (info >> 4 == 1 || info >> 4 == 2) {
                out.push(r.c_str(strings + u64::from(name))?);
            }
        }
    }
    Ok(out)
}

/// The checks of the module docs for a library of `abi`; the problems found, one a line.
pub fn check(info: &ElfInfo, abi: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = match abi {
        "arm64-v8a" => Some((EM_AARCH64, "AArch64")),
        "x86_64" => Some((EM_X86_64, "x86-64")),
        _ => None,
    };
    match expected {
        Some((m, _)) if m == info.machine => {}
        Some((_, name)) => problems.push(format!(
            "built for ELF machine {} ({}), not {name} as {abi} needs",
            info.machine,
            machine_name(info.machine)
        )),
        None => problems.push(format!(
            "{abi} is not an ABI movinet ships (arm64-v8a, x86_64)"
        )),
    }
    if info.loads.is_empty() {
        problems.push("no PT_LOAD segment".into());
    }
    for (i, (offset, vaddr, align)) in info.loads.iter().enumerate() {
        if *align < PAGE_SIZE || !align.is_power_of_two() {
            problems.push(format!(
                "LOAD segment {i} is aligned to {align} bytes, not 16 KB: link with -z max-page-size=16384 \
                 (.cargo/config.toml does for Android targets), or take a 16 KB-aligned build"
            ));
        } else if offset % align != vaddr % align {
            problems.push(format!(
                "LOAD segment {i}: file offset {offset:#x} and address {vaddr:#x} differ modulo its \
                 alignment {align:#x}"
            ));
        }
    }
    for lib in &info.needed {
        if lib == "libc++_shared.so" {
            problems.push(
                "needs libc++_shared.so, which the AAR does not ship: link the C++ runtime statically \
                 (c++_static)"
                    .into(),
            );
        }
    }
    problems
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        EM_X86_64 => "x86-64",
        EM_AARCH64 => "AArch64",
        3 => "x86",
        40 => "ARM",
        _ => "other",
    }
}

/// `cargo xtask elf --abi ABI FILE...`
pub fn command(args: &[String]) -> Result<()> {
    let (abi, files) = match args {
        [flag, abi, files @ ..] if flag == "--abi" && !files.is_empty() => (abi.as_str(), files),
        _ => return Err("usage: cargo xtask elf --abi arm64-v8a|x86_64 FILE...".into()),
    };
    let mut failed = false;
    for f in files {
        let bytes = std::fs::read(Path::new(f)).map_err(|e| format!("{f}: {e}"))?;
        let problems = match read(&bytes) {
            Ok(info) => {
                let aligns: Vec<String> = info.loads.iter().map(|l| l.2.to_string()).collect();
                eprintln!(
                    "elf: {f}: {}, LOAD alignment {}, needs {}",
                    machine_name(info.machine),
                    aligns.join(" "),
                    info.needed.join(" ")
                );
                check(&info, abi)
            }
            Err(e) => vec![e],
        };
        for p in &problems {
            eprintln!("elf: {f}: {p}");
        }
        failed |= !problems.is_empty();
    }
    if failed {
        Err(format!("elf: libraries unfit for {abi} (above)"))
    } else {
        Ok(())
    }
}

/// Bounds-checked little-endian reads.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes<const N: usize>(&self, at: u64) -> Result<[u8; N]> {
        let start = usize::try_from(at).map_err(|_| "offset out of range")?;
        self.0
            .get(start..start.checked_add(N).ok_or("offset out of range")?)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("truncated ELF file (reading {N} bytes at {at:#x})"))
    }
    fn u8(&self, at: u64) -> Result<u8> {
        Ok(self.bytes::<1>(at)?[0])
    }
    fn u16(&self, at: u64) -> Result<u16> {
        Ok(u16::from_le_bytes(self.bytes(at)?))
    }
    fn u32(&self, at: u64) -> Result<u32> {
        Ok(u32::from_le_bytes(self.bytes(at)?))
    }
    fn u64(&self, at: u64) -> Result<u64> {
        Ok(u64::from_le_bytes(self.bytes(at)?))
    }
    fn c_str(&self, at: u64) -> Result<String> {
        let start = usize::try_from(at).map_err(|_| "offset out of range")?;
        let rest = self.0.get(start..).ok_or("string outside the file")?;
        let end = rest
            .iter()
            .position(|b| *b == 0)
            .ok_or("unterminated string")?;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn litert() -> PathBuf {
        crate::repo_root().join(".deps/litert-2.1.4/lib/libLiteRt.so")
    }

    /// A minimal ELF64 shared object: one PT_LOAD at `align` and a dynamic section needing
    /// `needed`.
    fn tiny_elf(machine: u16, align: u64, offset: u64, vaddr: u64, needed: &[&str]) -> Vec<u8> {
        let mut strtab = vec![0u8];
        let mut dynamic = Vec::new();
        for n in needed {
            dynamic.extend(DT_NEEDED.to_le_bytes());
            dynamic.extend((strtab.len() as u64).to_le_bytes());
            strtab.extend(n.as_bytes());
            strtab.push(0);
        }
        let (phoff, dyn_at) = (64u64, 64 + 2 * 56);
        let str_at = dyn_at + dynamic.len() as u64 + 32;
        dynamic.extend(DT_STRTAB.to_le_bytes());
        dynamic.extend(str_at.to_le_bytes()); // address = offset: the LOAD below maps 0 at 0
        dynamic.extend([0u8; 16]);
        let mut f = vec![0u8; 64];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[16] = 3; // ET_DYN
        f[18..20].copy_from_slice(&machine.to_le_bytes());
        f[32..40].copy_from_slice(&phoff.to_le_bytes());
        f[54..56].copy_from_slice(&56u16.to_le_bytes());
        f[56..58].copy_from_slice(&2u16.to_le_bytes());
        let ph = |kind: u32, off: u64, va: u64, size: u64, al: u64| {
            let mut p = Vec::new();
            p.extend(kind.to_le_bytes());
            p.extend(4u32.to_le_bytes());
            for v in [off, va, va, size, size, al] {
                p.extend(v.to_le_bytes());
            }
            p
        };
        f.extend(ph(PT_LOAD, offset, vaddr, 4096, align));
        f.extend(ph(PT_DYNAMIC, dyn_at, dyn_at, dynamic.len() as u64, 8));
        f.extend(&dynamic);
        f.extend(&strtab);
        f
    }

    #[test]
    fn a_16k_aligned_aarch64_library_passes() {
        let elf = tiny_elf(EM_AARCH64, 16384, 0, 0, &["libLiteRt.so", "libc.so"]);
        let info = read(&elf).unwrap();
        assert_eq!(info.needed, ["libLiteRt.so", "libc.so"]);
        assert_eq!(check(&info, "arm64-v8a"), Vec::<String>::new());
        // The wrong CPU for the other ABI.
        assert!(check(&info, "x86_64")[0].contains("ELF machine 183 (AArch64), not x86-64"));
        assert!(check(&info, "armeabi-v7a")[0].contains("not an ABI movinet ships"));
    }

    #[test]
    fn the_shared_cxx_runtime_and_4k_alignment_are_refused() {
        let elf = tiny_elf(EM_AARCH64, 4096, 0, 0, &["libc++_shared.so"]);
        let problems = check(&read(&elf).unwrap(), "arm64-v8a");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("aligned to 4096 bytes, not 16 KB"));
        assert!(problems[1].contains("needs libc++_shared.so"));
        let odd = tiny_elf(EM_AARCH64, 16384, 0x1000, 0x5000 + 0x1000 + 0x4000, &[]);
        assert!(check(&read(&odd).unwrap(), "arm64-v8a")[0].contains("differ modulo"));
    }

    #[test]
    fn truncated_and_32_bit_files_are_errors_not_panics() {
        let elf = tiny_elf(EM_AARCH64, 16384, 0, 0, &["libc.so"]);
        for cut in [0, 10, 63, 64 + 56, elf.len() - 3] {
            assert!(read(&elf[..cut]).is_err(), "cut at {cut}");
        }
        let mut arm32 = elf.clone();
        arm32[4] = 1;
        assert!(read(&arm32).unwrap_err().contains("32-bit"));
    }

    /// The host's LiteRT (the PyPI wheel's x86-64 build) read as it is: 4 KB pages, the
    /// system's shared libstdc++ — the Android AAR's build must differ on both counts.
    #[test]
    fn the_host_litert_library_reads_and_fails_the_android_checks() {
        let path = litert();
        if !path.exists() {
            eprintln!("skipped: {} not set up (cargo xtask setup)", path.display());
            return;
        }
        let bytes = std::fs::read(&path).unwrap();
        let info = read(&bytes).unwrap();
        assert_eq!(info.machine, EM_X86_64);
        assert_eq!(info.loads.len(), 4);
        assert!(info.loads.iter().all(|l| l.2 == 4096), "{:?}", info.loads);
        assert!(
            info.needed.iter().any(|n| n == "libstdc++.so.6"),
            "{:?}",
            info.needed
        );
        let problems = check(&info, "x86_64");
        assert_eq!(problems.len(), 4, "one per 4 KB LOAD segment: {problems:?}");
        // Realigned to 16 KB in place, its segments no longer map: offset and address were
        // laid out for 4 KB pages.
        let mut realigned = bytes.clone();
        let r = Reader(&bytes);
        let (phoff, phnum) = (r.u64(32).unwrap(), r.u16(56).unwrap());
        for i in 0..u64::from(phnum) {
            let ph = (phoff + i * 56) as usize;
            if r.u32(ph as u64).unwrap() == PT_LOAD {
                realigned[ph + 48..ph + 56].copy_from_slice(&16384u64.to_le_bytes());
            }
        }
        let problems = check(&read(&realigned).unwrap(), "x86_64");
        assert!(
            problems.iter().any(|p| p.contains("differ modulo")),
            "{problems:?}"
        );
        assert!(
            problems.iter().all(|p| !p.contains("not 16 KB")),
            "{problems:?}"
        );
        let symbols = exported_symbols(&bytes).unwrap();
        assert!(symbols.iter().any(|s| s == "LiteRtCreateModelFromBuffer"));
    }
}
