//! Direct `ByteBuffer`s read in place.
//!
//! The Kotlin side passes each buffer with the region to read (`position()` and `remaining()`
//! at the call), so slices and buffers with a non-zero position work. A heap buffer has no
//! stable address (`GetDirectBufferAddress` gives NULL), so it is refused with an
//! `IllegalArgumentException` rather than copied behind the caller's back.

use jni::objects::JByteBuffer;
use jni::refs::Reference as _;
use jni::sys::jint;
use jni::Env;

use crate::error::{BridgeError, BridgeResult};

/// The bytes `[offset, offset + length)` of a direct buffer, without copying.
///
/// # Safety
/// The slice points into memory the Java buffer owns: the caller must hold a reference to the
/// buffer (the native method's argument does) for as long as it uses the slice, and must not
/// let Java code run that could free it in between (nothing in our calls does).
pub unsafe fn direct_region<'a>(
    env: &Env<'_>,
    buffer: &'a JByteBuffer<'_>,
    offset: jint,
    length: jint,
    what: &str,
) -> BridgeResult<&'a [u8]> {
    if buffer.is_null() {
        return Err(BridgeError::illegal_argument(format!("{what} is null")));
    }
    let address = match env.get_direct_buffer_address(buffer) {
        Ok(p) if !p.is_null() => p,
        _ => {
            return Err(BridgeError::illegal_argument(format!(
                "{what} is not a direct ByteBuffer: pass a buffer from ByteBuffer.allocateDirect \
                 (CameraX image planes already are), so it can be read in place"
            )))
        }
    };
    let capacity = env.get_direct_buffer_capacity(buffer)?;
    let (offset, length) = match (usize::try_from(offset), usize::try_from(length)) {
        (Ok(o), Ok(l)) if o.checked_add(l).is_some_and(|end| end <= capacity) => (o, l),
        _ => {
            return Err(BridgeError::illegal_argument(format!(
                "{what}: region at {offset} of {length} bytes is outside its {capacity} bytes"
            )))
        }
    };
    // SAFETY: the region lies inside the buffer's `capacity` bytes at `address` (checked
    // above); the caller keeps the buffer alive (see the function's contract).
    Ok(unsafe { std::slice::from_raw_parts(address.add(offset).cast_const(), length) })
}
