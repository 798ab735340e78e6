// The CameraX sample: live preview, top-3 overlay, model picker (A0/A1/A2), reset, camera switch.
//
//   gradle -p android :sample:installDebug
//
// The models are not committed: `stageModels` copies them into the APK's assets from
// -Pmovinet.modelsDir, else $MOVINET_MODELS_DIR, else <workspace>/models (models/fetch.sh),
// else the team's ../shared/models.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

val workspaceDir: File = rootDir.parentFile
val modelsDir: File = listOfNotNull(
    providers.gradleProperty("movinet.modelsDir").orNull?.let(::File),
    System.getenv("MOVINET_MODELS_DIR")?.let(::File),
    File(workspaceDir, "models"),
    File(workspaceDir, "../shared/models"),
).firstOrNull { File(it, "movinet_a0_stream_int8.tflite").isFile }
    ?: File(workspaceDir, "models")
val stagedAssets: File = layout.buildDirectory.dir("generated/movinet/assets").get().asFile

android {
    namespace = "dev.movinet.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.movinet.sample"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
            // A sample: sign release builds with the debug key so they install as they are.
            signingConfig = signingConfigs.getByName("debug")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    // Stored uncompressed, models are memory-mapped straight from the APK.
    androidResources { noCompress += "tflite" }

    sourceSets.getByName("main") { assets.srcDir(stagedAssets) }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

/** Official A0/A1/A2 files where present; the synthetic (random-weight) A1/A2 otherwise. */
val stageModels by tasks.registering(Sync::class) {
    description = "Copies the MoViNet models and labels from $modelsDir into the sample's assets"
    from(modelsDir) {
        include("movinet_a0_stream_int8.tflite", "movinet_a1_stream_int8.tflite", "movinet_a2_stream_int8.tflite")
        include("kinetics600_labels.txt")
    }
    val missing = listOf("a1", "a2").filterNot { File(modelsDir, "movinet_${it}_stream_int8.tflite").isFile }
    if (missing.isNotEmpty()) {
        from(File(modelsDir, "synthetic")) {
            include(missing.map { "movinet_${it}_stream_int8_synthetic.tflite" })
        }
    }
    into(stagedAssets)
    doLast {
        if (!File(stagedAssets, "movinet_a0_stream_int8.tflite").isFile) {
            throw GradleException(
                "no movinet_a0_stream_int8.tflite in $modelsDir: run models/fetch.sh or pass -Pmovinet.modelsDir=DIR",
            )
        }
    }
}
tasks.named("preBuild") { dependsOn(stageModels) }

dependencies {
    implementation(project(":movinet"))
    implementation(libs.androidx.camera.camera2)
    implementation(libs.androidx.camera.lifecycle)
    implementation(libs.androidx.camera.view)
    implementation(libs.androidx.appcompat)
    implementation(libs.androidx.activity.ktx)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.lifecycle.runtime.ktx)
}
