//! `log` everywhere; on Android the records go to logcat under the tag `movinet`. On other
//! platforms (the host JVM tests) no logger is installed: the host application picks its own.

pub fn init() {
    #[cfg(target_os = "android")]
    {
        // init_once ignores every call after the first.
        android_logger::init_once(
            android_logger::Config::default()
                .with_max_level(log::LevelFilter::Info)
                .with_tag("movinet"),
        );
    }
}
