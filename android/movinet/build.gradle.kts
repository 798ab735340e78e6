// The movinet Android library (AAR): the Kotlin API, the Rust JNI library built per ABI with
// cargo-ndk, and LiteRT's libLiteRt.so taken from the LiteRT 2.1.4 AAR.
//
//   gradle -p android :movinet:assembleRelease   ->  android/movinet/build/outputs/aar/movinet-release.aar
//
// Needs: Android SDK with NDK $ndkVersion, Rust with `rustup target add aarch64-linux-android
// x86_64-linux-android`, and `cargo install cargo-ndk --version 3.5.4 --locked`.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

/** The ABIs LiteRT 2.1.4 ships libLiteRt.so for, and the Rust target of each. */
val rustTargets = mapOf(
    "arm64-v8a" to "aarch64-linux-android",
    "x86_64" to "x86_64-linux-android",
)

val abis: List<String> = providers.gradleProperty("movinet.abis").getOrElse("arm64-v8a,x86_64")
    .split(',').map(String::trim).filter(String::isNotEmpty)

abis.filterNot(rustTargets::containsKey).let { unsupported ->
    if (unsupported.isNotEmpty()) {
        throw GradleException(
            "movinet.abis: $unsupported cannot be built. movinet runs on LiteRT ${libs.versions.litert.get()}, " +
                "whose AAR ships libLiteRt.so only for ${rustTargets.keys} (no 32-bit armeabi-v7a or x86 " +
                "build), so there is nothing to link a 32-bit movinet library against. Supported: ${rustTargets.keys}.",
        )
    }
}

/** The Cargo workspace: android/ sits one level below it. */
val workspaceDir: File = rootDir.parentFile
val rustJniLibs: File = layout.buildDirectory.dir("generated/movinet/rustJniLibs").get().asFile
val litertJniLibs: File = layout.buildDirectory.dir("generated/movinet/litertJniLibs").get().asFile

android {
    namespace = "dev.movinet"
    compileSdk = 35
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }

    buildTypes {
        release { isMinifyEnabled = false }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets.getByName("main") {
        // src/main/kotlin: the platform-independent API (also compiled and tested on the host
        // by android/jvm-tests). src/android/kotlin: the thin ImageProxy/Bitmap/Context adapters.
        kotlin.srcDir("src/android/kotlin")
        jniLibs.srcDir(rustJniLibs)
        jniLibs.srcDir(litertJniLibs)
    }

    publishing {
        singleVariant("release") { withSourcesJar() }
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

/** Only resolved to take libLiteRt.so out of it; the LiteRT Java API is not a dependency. */
val litertRuntime: Configuration by configurations.creating {
    isCanBeConsumed = false
    isCanBeResolved = true
    isTransitive = false
}

dependencies {
    // `@aar`: just the archive, no metadata or transitive dependencies.
    val litert = libs.litert.get()
    litertRuntime("${litert.group}:${litert.name}:${libs.versions.litert.get()}@aar")
    // ImageProxy appears in the public API (classify(image: ImageProxy)).
    api(libs.androidx.camera.core)
}

/** Copies jni/<abi>/libLiteRt.so out of the LiteRT AAR into the library's jniLibs. */
val extractLiteRt by tasks.registering(Sync::class) {
    description = "Extracts libLiteRt.so per ABI from the LiteRT ${libs.versions.litert.get()} AAR"
    from(provider { zipTree(litertRuntime.singleFile) }) {
        include(abis.map { "jni/$it/libLiteRt.so" })
        eachFile { path = path.removePrefix("jni/") }
        includeEmptyDirs = false
    }
    into(litertJniLibs)
    doLast {
        for (abi in abis) {
            if (!File(litertJniLibs, "$abi/libLiteRt.so").isFile) {
                throw GradleException("the LiteRT ${libs.versions.litert.get()} AAR has no jni/$abi/libLiteRt.so")
            }
        }
    }
}

/** One cargo-ndk build per ABI, each linking against that ABI's libLiteRt.so. */
val cargoNdkTasks = abis.map { abi ->
    val taskName = "cargoNdk" + abi.split('-', '_').joinToString("") { it.replaceFirstChar(Char::uppercase) }
    tasks.register<Exec>(taskName) {
        description = "Builds libmovinet_jni.so for $abi (${rustTargets.getValue(abi)}) with cargo-ndk"
        dependsOn(extractLiteRt)
        workingDir = workspaceDir
        inputs.files(
            fileTree(workspaceDir) {
                include("Cargo.toml", "Cargo.lock", "core/**", "bindings/jni/**")
                exclude("**/target/**")
            },
        )
        outputs.file(File(rustJniLibs, "$abi/libmovinet_jni.so"))
        commandLine(
            "cargo", "ndk",
            "--target", abi,
            "--platform", "24",
            "--output-dir", rustJniLibs.absolutePath,
            "build", "--release", "--package", "movinet-jni",
        )
        // litert-sys links against the libLiteRt.so we package; this overrides the host path
        // that .cargo/config.toml sets (its [env] never overrides a variable already set).
        environment("LITERT_LIB_DIR", File(litertJniLibs, abi).absolutePath)
        doFirst {
            environment("ANDROID_NDK_HOME", android.ndkDirectory.absolutePath)
        }
    }
}

/**
 * Checks each ABI's pair of libraries before they are packaged (`cargo xtask elf`, host-tested
 * in xtask/src/elf.rs): the ABI's ELF machine, every LOAD segment 16 KB-aligned (Android 15
 * devices with 16 KB pages, Google Play's requirement), no need for libc++_shared.so (the AAR
 * ships no shared C++ runtime). A failure stops the build with the reason.
 */
val checkNativeLibs = abis.map { abi ->
    val taskName = "checkNativeLibs" + abi.split('-', '_').joinToString("") { it.replaceFirstChar(Char::uppercase) }
    tasks.register<Exec>(taskName) {
        description = "Checks libmovinet_jni.so and libLiteRt.so for $abi (cargo xtask elf)"
        dependsOn(extractLiteRt, cargoNdkTasks)
        workingDir = workspaceDir
        val libs = listOf(File(rustJniLibs, "$abi/libmovinet_jni.so"), File(litertJniLibs, "$abi/libLiteRt.so"))
        inputs.files(libs)
        commandLine(listOf("cargo", "xtask", "elf", "--abi", abi) + libs.map { it.absolutePath })
    }
}

// The native libraries must be in place, and checked, before AGP merges the jniLibs folders.
tasks.matching { it.name.startsWith("merge") && it.name.endsWith("JniLibFolders") }.configureEach {
    dependsOn(extractLiteRt, cargoNdkTasks, checkNativeLibs)
}
