// The movinet Android build: the library (AAR) and the CameraX sample app.
//
// Needs the Android SDK (compileSdk 35, NDK 27) and, for the native libraries, Rust with the
// Android targets and cargo-ndk (see android/README.md). Gradle 8.9 or newer.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "movinet-android"
include(":movinet")
include(":sample")
