//! Turning packed RGB24 frames by quarter turns: a stored frame upright for the overlay, and
//! back to how it is stored (the file keeps its display rotation).

use movinet::Rotation;

/// The size of a `width` x `height` frame turned by `rotation`.
pub fn size(width: usize, height: usize, rotation: Rotation) -> (usize, usize) {
    match rotation {
        Rotation::Deg90 | Rotation::Deg270 => (height, width),
        Rotation::Deg0 | Rotation::Deg180 => (width, height),
    }
}

/// The turn that undoes `rotation`.
pub fn inverse(rotation: Rotation) -> Rotation {
    match rotation {
        Rotation::Deg90 => Rotation::Deg270,
        Rotation::Deg270 => Rotation::Deg90,
        r => r,
    }
}

/// `src` (`width` x `height`) turned clockwise by `rotation` into `dst` (resized to fit).
pub fn turn(src: &[u8], width: usize, height: usize, rotation: Rotation, dst: &mut Vec<u8>) {
    let (ow, _) = size(width, height, rotation);
    dst.resize(width * height * 3, 0);
    for y in 0..height {
        for x in 0..width {
            // Where (x, y) lands, turning clockwise.
            let (dx, dy) = match rotation {
                Rotation::Deg0 => (x, y),
                Rotation::Deg90 => (height - 1 - y, x),
                Rotation::Deg180 => (width - 1 - x, height - 1 - y),
                Rotation::Deg270 => (y, width - 1 - x),
            };
            let s = (y * width + x) * 3;
            let d = (dy * ow + dx) * 3;
            dst[d..d + 3].copy_from_slice(&src[s..s + 3]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_turns_are_clockwise_and_undone_by_their_inverse() {
        // 2x1: red, green. Turned 90 clockwise: a 1x2 column, red on top.
        let src = [255, 0, 0, 0, 255, 0];
        let mut out = Vec::new();
        turn(&src, 2, 1, Rotation::Deg90, &mut out);
        assert_eq!(out, src, "red above green");
        turn(&src, 2, 1, Rotation::Deg270, &mut out);
        assert_eq!(out, [0, 255, 0, 255, 0, 0], "green above red");
        turn(&src, 2, 1, Rotation::Deg180, &mut out);
        assert_eq!(out, [0, 255, 0, 255, 0, 0]);
        let src: Vec<u8> = (0..5 * 3 * 3).map(|v| v as u8).collect();
        for r in [
            Rotation::Deg0,
            Rotation::Deg90,
            Rotation::Deg180,
            Rotation::Deg270,
        ] {
            let (w, h) = size(5, 3, r);
            let mut there = Vec::new();
            let mut back = Vec::new();
            turn(&src, 5, 3, r, &mut there);
            turn(&there, w, h, inverse(r), &mut back);
            assert_eq!(back, src, "{r:?}");
        }
    }
}
