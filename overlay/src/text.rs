//! Text as coverage masks: DejaVu Sans (embedded by the `dejavu` crate) laid out on one line
//! and rasterised by `ab_glyph`, cut with an ellipsis to a width, and kept in a small cache
//! (labels change a few times a clip, scores five times a second; frames come 30 a second).

use std::collections::HashMap;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

use crate::Error;

/// One line of text rasterised: `width * height` coverage bytes, the baseline `ascent` rows
/// from the top.
pub struct Mask {
    pub width: usize,
    pub height: usize,
    pub coverage: Vec<u8>,
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    Regular,
    Bold,
}

/// Cached masks; cleared whole when it holds this many.
const CACHE_ENTRIES: usize = 512;

pub struct Typesetter {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    cache: HashMap<(String, u32, Weight, usize), Mask>,
}

impl Typesetter {
    pub fn new() -> Result<Self, Error> {
        let load = |bytes: &'static [u8], name: &str| {
            FontRef::try_from_slice(bytes)
                .map_err(|e| Error::Font(format!("DejaVu Sans {name}: {e}")))
        };
        Ok(Self {
            regular: load(dejavu::sans::regular(), "regular")?,
            bold: load(dejavu::sans::bold(), "bold")?,
            cache: HashMap::new(),
        })
    }

    /// `text` at `px` pixels (the font's ascent to descent), at most `max_width` pixels wide:
    /// a longer text loses characters from its end for an ellipsis.
    pub fn line(&mut self, text: &str, px: u32, weight: Weight, max_width: usize) -> &Mask {
        let key = (text.to_string(), px, weight, max_width);
        if !self.cache.contains_key(&key) {
            if self.cache.len() >= CACHE_ENTRIES {
                self.cache.clear();
            }
            let font = match weight {
                Weight::Regular => &self.regular,
                Weight::Bold => &self.bold,
            };
            let mask = fit(font, text, px as f32, max_width);
            self.cache.insert(key.clone(), mask);
        }
        &self.cache[&key]
    }
}

/// Each glyph of `chars` laid out on one line at `px` (kerning included) with its pen
/// position, and the line's width.
fn layout(
    font: &FontRef<'static>,
    chars: &[char],
    px: f32,
) -> (Vec<(ab_glyph::GlyphId, f32)>, f32) {
    let f = font.as_scaled(PxScale::from(px));
    let mut x = 0.0;
    let mut last = None;
    let mut glyphs = Vec::with_capacity(chars.len());
    for &c in chars {
        let id = f.glyph_id(c);
        if let Some(prev) = last {
            x += f.kern(prev, id);
        }
        glyphs.push((id, x));
        x += f.h_advance(id);
        last = Some(id);
    }
    (glyphs, x)
}

/// Pixel width of `chars` laid out at `px`.
fn advance(font: &FontRef<'static>, chars: &[char], px: f32) -> f32 {
    layout(font, chars, px).1
}

/// The longest start of `text` (with an ellipsis when cut) that fits `max_width`, rasterised.
fn fit(font: &FontRef<'static>, text: &str, px: f32, max_width: usize) -> Mask {
    // Control characters (a newline in a custom label) would draw as boxes: spaces instead.
    let mut chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if advance(font, &chars, px).ceil() as usize > max_width {
        while !chars.is_empty() {
            chars.pop();
            let mut cut = chars.clone();
            while cut.last().is_some_and(|c| c.is_whitespace()) {
                cut.pop();
            }
            cut.push('…');
            if advance(font, &cut, px).ceil() as usize <= max_width {
                chars = cut;
                break;
            }
        }
    }
    rasterise(font, &chars, px)
}

fn rasterise(font: &FontRef<'static>, chars: &[char], px: f32) -> Mask {
    let f = font.as_scaled(PxScale::from(px));
    let ascent = f.ascent();
    let height = (ascent - f.descent()).ceil().max(1.0) as usize;
    let (glyphs, line) = layout(font, chars, px);
    let width = line.ceil() as usize;
    let mut coverage = vec![0u8; width * height];
    for (id, x) in glyphs {
        let glyph = id.with_scale_and_position(f.scale(), ab_glyph::point(x, ascent));
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue; // a space
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, c| {
            let px = bounds.min.x as isize + gx as isize;
            let py = bounds.min.y as isize + gy as isize;
            if px < 0 || py < 0 || px as usize >= width || py as usize >= height {
                return;
            }
            let at = py as usize * width + px as usize;
            let v = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
            coverage[at] = coverage[at].max(v);
        });
    }
    Mask {
        width,
        height,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_ink_and_long_text_is_cut_with_an_ellipsis() {
        let mut t = Typesetter::new().unwrap();
        let short = t.line("carving ice", 20, Weight::Bold, 1000);
        let (w, h) = (short.width, short.height);
        assert!(w > 80 && w < 160 && (20..=26).contains(&h), "{w}x{h}");
        let ink = short.coverage.iter().filter(|&&c| c > 128).count();
        assert!(ink > w * h / 10, "{ink} inked pixels of {}", w * h);
        let cut = t.line("carving ice", 20, Weight::Bold, 60);
        assert!(cut.width <= 60 && cut.width > 30, "{}", cut.width);
        // Nothing fits: an empty line, not a panic.
        assert_eq!(t.line("carving ice", 20, Weight::Bold, 0).width, 0);
        assert_eq!(t.line("", 20, Weight::Regular, 100).width, 0);
    }
}
