// The CameraX sample: live preview, top-3 overlay, model picker (A0/A1/A2), reset, camera switch.
//
//   gradle -p android :sample:installDebug
//
// The models are not committed: `stage<Variant>Models` copies them into the APK's assets from
// -Pmovinet.modelsDir, else $MOVINET_MODELS_DIR, else <workspace>/models (models/fetch.sh),
// else the team's ../shared/models.
import javax.inject.Inject
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
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

/**
 * Copies the MoViNet models and labels into a folder of the sample's assets. Each variant's
 * task is registered as the producer of a generated assets folder (`addGeneratedSourceDirectory`
 * below), so every task that reads the variant's assets (the merge, and release builds'
 * `lintVitalAnalyzeRelease`) depends on it: Gradle 8 fails a build whose task reads another's
 * output without such a dependency.
 */
abstract class StageModels : DefaultTask() {
    @get:InputFiles
    @get:PathSensitive(PathSensitivity.NAME_ONLY)
    abstract val models: ConfigurableFileCollection

    /** The generated assets folder (AGP sets it, per variant). */
    @get:OutputDirectory
    abstract val outputDirectory: DirectoryProperty

    @get:Inject
    abstract val fileSystem: FileSystemOperations

    @TaskAction
    fun stage() {
        fileSystem.sync {
            from(models)
            into(outputDirectory)
        }
        if (!outputDirectory.file(A0).get().asFile.isFile) {
            throw GradleException(
                "no $A0 among ${models.files}: run models/fetch.sh or pass -Pmovinet.modelsDir=DIR",
            )
        }
    }

    companion object {
        const val A0 = "movinet_a0_stream_int8.tflite"
    }
}

/** Official A0/A1/A2 files where present; the synthetic (random-weight) A1/A2 otherwise. */
val modelFiles: List<File> = listOf("a0", "a1", "a2").map { name ->
    val official = File(modelsDir, "movinet_${name}_stream_int8.tflite")
    val synthetic = File(modelsDir, "synthetic/movinet_${name}_stream_int8_synthetic.tflite")
    if (name != "a0" && !official.isFile && synthetic.isFile) synthetic else official
} + File(modelsDir, "kinetics600_labels.txt")

androidComponents {
    onVariants { variant ->
        val stage = tasks.register<StageModels>("stage${variant.name.replaceFirstChar { it.uppercase() }}Models") {
            description = "Copies the MoViNet models and labels from $modelsDir into the ${variant.name} assets"
            models.from(modelFiles)
        }
        variant.sources.assets?.addGeneratedSourceDirectory(stage, StageModels::outputDirectory)
    }
}

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
