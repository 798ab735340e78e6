package dev.movinet

/**
 * Loads `libmovinet_jni.so`: `System.loadLibrary` inside an app; a host JVM passes the
 * library's path in the system property [LIBRARY_PATH_PROPERTY] instead.
 */
internal object NativeLibrary {
    /** System property with the absolute path of the JNI library (host tests). */
    const val LIBRARY_PATH_PROPERTY = "movinet.native.lib"
    private const val LIBRARY_NAME = "movinet_jni"

    private val loadError: Throwable? = try {
        val path = System.getProperty(LIBRARY_PATH_PROPERTY)
        if (path.isNullOrEmpty()) System.loadLibrary(LIBRARY_NAME) else System.load(path)
        null
    } catch (e: UnsatisfiedLinkError) {
        e
    }

    /** Loads the library once; returns why it failed, or null. */
    fun tryLoad(): Throwable? = loadError

    /** Throws an [IllegalStateException] that says what failed when the library did not load. */
    fun ensureLoaded() {
        val error = loadError ?: return
        throw IllegalStateException(explain(error.message.orEmpty(), System.getProperty("os.arch").orEmpty()), error)
    }

    /**
     * What a failed load means, from the `UnsatisfiedLinkError`'s message (bionic's and
     * HotSpot's wording) and the process's CPU architecture. Only a missing library on a 32-bit
     * process is the 32-bit case; a library that is there but does not link is something else.
     */
    fun explain(message: String, arch: String): String {
        val is32Bit = arch in setOf("arm", "armv7l", "armv8l", "i386", "i686", "x86")
        val cause = when {
            "libLiteRt.so" in message && ("not found" in message || "cannot open" in message) ->
                "LiteRT's libLiteRt.so, which libmovinet_jni.so links against, is missing from the app " +
                    "(it ships in the movinet AAR beside libmovinet_jni.so; check that packaging kept both " +
                    "for this ABI, e.g. no jniLibs exclude or pickFirst that dropped it)"
            "cannot locate symbol" in message || "undefined symbol" in message ->
                "libmovinet_jni.so was found but a symbol it needs is missing: the libLiteRt.so in the app " +
                    "is not LiteRT 2.1.4 (another copy, e.g. from a LiteRT dependency of the app, won the " +
                    "packaging merge), or a C++ runtime library is missing"
            "wrong ELF class" in message || "is 32-bit instead of 64-bit" in message ||
                "is 64-bit instead of 32-bit" in message || "wrong ELF machine" in message ||
                "has unexpected e_machine" in message ->
                "libmovinet_jni.so was built for another CPU than this $arch process"
            "16 KB" in message || "alignment" in message || "p_align" in message ->
                "libmovinet_jni.so or libLiteRt.so is not aligned for this device's page size " +
                    "(`cargo xtask elf` checks 16 KB alignment at build time)"
            is32Bit ->
                "this is a 32-bit ($arch) process, and movinet ships arm64-v8a and x86_64 only: LiteRT " +
                    "2.1.4 has no 32-bit Android build"
            "not found" in message || "no movinet_jni in" in message || "couldn't find" in message ->
                "libmovinet_jni.so is not in the app for this $arch device (check the APK's lib/ folder " +
                    "and the ABI filters)"
            else -> "see the loader's message"
        }
        return "the movinet native library (lib$LIBRARY_NAME.so) cannot be loaded: $cause. Loader: $message"
    }
}
