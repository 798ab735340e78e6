package dev.movinet.sample

import android.Manifest
import android.content.pm.PackageManager
import android.content.res.AssetManager
import android.hardware.display.DisplayManager
import android.os.Build
import android.os.Bundle
import android.util.Log
import android.view.Display
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.Spinner
import android.widget.TextView
import androidx.activity.enableEdgeToEdge
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AlertDialog
import androidx.appcompat.app.AppCompatActivity
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.core.content.ContextCompat
import androidx.core.view.ViewCompat
import androidx.core.view.WindowInsetsCompat
import dev.movinet.ActionSet
import dev.movinet.ActionTeacher
import dev.movinet.EventChange
import dev.movinet.MovinetClassifier
import dev.movinet.MovinetException
import dev.movinet.MovinetModel
import dev.movinet.MovinetOptions
import dev.movinet.Prediction
import dev.movinet.TeachProgress
import dev.movinet.classify
import dev.movinet.load
import java.io.File
import java.util.Locale
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/**
 * Live action recognition: CameraX preview, every analysis frame handed to movinet (which
 * keeps about 5 per second for the model). Over the preview: the current action, from the
 * classifier's events (steady: it changes when an action starts or ends), and below it the raw
 * top 3 classes of the latest frame.
 *
 * "Teach": name an action, record three short clips of it (the live classifier records them,
 * [ActionTeacher] ends each after 3 s), and from then on the classifier names the actions you
 * taught instead of Kinetics' 600 classes, and none when it sees none of them. The actions are
 * kept per model in the app's files ("Forget" goes back to the model's classes).
 */
class MainActivity : AppCompatActivity() {
    private lateinit var previewView: PreviewView
    private lateinit var actionView: TextView
    private lateinit var resultsView: TextView
    private lateinit var statsView: TextView

    /** All classifier work (create, classify, reset, close) runs here, one task at a time. */
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()

    /** Only touched on [worker]. */
    private var classifier: MovinetClassifier? = null
    /** The loaded model (for action sets), its taught actions and the teacher at work; on [worker] only. */
    private var loadedModel: MovinetModel? = null
    private var actions: ActionSet? = null
    private var teacher: ActionTeacher? = null
    private lateinit var teachButton: Button
    private val inputFps = FpsMeter()

    private var models: List<ModelAsset> = emptyList()
    @Volatile private var model: ModelAsset? = null
    private var lensFacing = CameraSelector.LENS_FACING_BACK
    private var cameraProvider: ProcessCameraProvider? = null
    private var analysis: ImageAnalysis? = null

    /**
     * Keeps the analysis frames' rotation in step with the display. A 90° turn recreates the
     * activity (and so the use cases), but a 180° turn (landscape to reverse landscape) does
     * not: without this, `imageInfo.rotationDegrees` would stay that of the old orientation and
     * the model would see the scene upside down. CameraX's guide ("Configuration for use
     * cases": set the target rotation from a DisplayListener or OrientationEventListener).
     */
    private val displayListener = object : DisplayManager.DisplayListener {
        override fun onDisplayAdded(displayId: Int) = Unit
        override fun onDisplayRemoved(displayId: Int) = Unit
        override fun onDisplayChanged(displayId: Int) {
            val display = activityDisplay()
            if (display.displayId == displayId) analysis?.targetRotation = display.rotation
        }
    }

    private val requestCamera =
        registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            if (granted) startCamera() else resultsView.setText(R.string.no_camera_permission)
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        // Android 15 draws an app targeting SDK 35 edge to edge whatever it asks; this does
        // the same on older versions. The preview fills the screen, and the panels over it
        // keep their text and buttons clear of the system bars (below).
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        previewView = findViewById(R.id.preview)
        actionView = findViewById(R.id.action)
        resultsView = findViewById(R.id.results)
        statsView = findViewById(R.id.stats)
        keepClearOfSystemBars(findViewById(R.id.top_panel), Edge.TOP)
        keepClearOfSystemBars(findViewById(R.id.bottom_bar), Edge.BOTTOM)

        models = ModelAsset.list(assets)
        val picker = findViewById<Spinner>(R.id.model_picker)
        picker.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_item, models.map { it.title }).apply {
            setDropDownViewResource(android.R.layout.simple_spinner_dropdown_item)
        }
        // Also fires once for the first item when the spinner is laid out.
        picker.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                loadModel(models[position])
            }

            override fun onNothingSelected(parent: AdapterView<*>?) = Unit
        }

        teachButton = findViewById(R.id.teach)
        teachButton.setOnClickListener { teach() }
        teachButton.setOnLongClickListener {
            worker.execute(::forgetActions)
            true
        }
        findViewById<Button>(R.id.reset).setOnClickListener {
            worker.execute { classifier?.reset() }
            resultsView.setText(R.string.waiting)
            actionView.setText(R.string.no_action)
        }
        findViewById<Button>(R.id.switch_camera).setOnClickListener {
            lensFacing = if (lensFacing == CameraSelector.LENS_FACING_BACK) {
                CameraSelector.LENS_FACING_FRONT
            } else {
                CameraSelector.LENS_FACING_BACK
            }
            // A new camera is a new stream, and the front camera's frames get mirrored to
            // match the preview the user sees: start a fresh classifier.
            model?.let(::loadModel)
            bindCamera()
        }

        getSystemService(DisplayManager::class.java).registerDisplayListener(displayListener, null)

        if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            startCamera()
        } else {
            requestCamera.launch(Manifest.permission.CAMERA)
        }
    }

    override fun onDestroy() {
        super.onDestroy()
        getSystemService(DisplayManager::class.java).unregisterDisplayListener(displayListener)
        worker.execute {
            teacher?.close()
            actions?.close()
            classifier?.close()
            loadedModel?.close()
            classifier = null
        }
        worker.shutdown()
    }

    private fun loadModel(asset: ModelAsset) {
        model = asset
        resultsView.setText(R.string.waiting)
        actionView.setText(R.string.no_action)
        val mirror = lensFacing == CameraSelector.LENS_FACING_FRONT
        worker.execute {
            // The new classifier first: a model that fails to load leaves the running one.
            // Everything here runs on the worker, options included: their defaults come from
            // the core, so the first `MovinetOptions` loads the native libraries
            // (libmovinet_jni.so and libLiteRt.so), which is no work for the UI thread, and
            // which fails with an IllegalStateException saying why on a device they cannot
            // load on.
            val (nextModel, next) = try {
                // The defaults are the live ones: a 2 s horizon, so labels follow the action.
                val options = MovinetOptions(
                    topK = 3,
                    mirror = mirror,
                    // The official files' pinned digest: a corrupted or replaced asset fails to load.
                    modelSha256 = OFFICIAL_SHA256[asset.fileName],
                )
                val m = MovinetModel.load(this, asset.fileName, options)
                try {
                    m to m.newClassifier(options).also { c ->
                        // Called on this worker right after the classify call that started or
                        // ended an action.
                        c.addEventListener(::showAction)
                    }
                } catch (e: MovinetException) {
                    m.close()
                    throw e
                }
            } catch (e: MovinetException) {
                Log.e(TAG, "cannot load ${asset.fileName} (${e.kind})", e)
                runOnUiThread { resultsView.text = getString(R.string.model_failed, asset.title, e.message) }
                return@execute
            } catch (e: IllegalStateException) {
                Log.e(TAG, "the movinet library cannot be loaded", e)
                runOnUiThread { resultsView.text = getString(R.string.library_failed, e.message) }
                return@execute
            }
            teacher?.close()
            teacher = null
            actions?.close()
            classifier?.close()
            loadedModel?.close()
            loadedModel = nextModel
            classifier = next
            actions = loadActions(nextModel, next)
            inputFps.reset()
            showTeachButton(null)
        }
    }

    private fun startCamera() {
        val future = ProcessCameraProvider.getInstance(this)
        future.addListener({
            cameraProvider = future.get()
            bindCamera()
        }, ContextCompat.getMainExecutor(this))
    }

    private fun bindCamera() {
        val provider = cameraProvider ?: return
        val selector = CameraSelector.Builder().requireLensFacing(lensFacing).build()
        if (!provider.hasCamera(selector)) {
            Log.w(TAG, "no camera facing $lensFacing")
            return
        }
        val preview = Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }
        val analysis = ImageAnalysis.Builder()
            .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
            .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888)
            // The activity's display, not the preview's: after a turn recreates the activity,
            // the preview may not be attached yet, and would say ROTATION_0 in landscape.
            .setTargetRotation(activityDisplay().rotation)
            .build()
        analysis.setAnalyzer(worker) { image -> image.use(::analyze) }
        this.analysis = analysis
        provider.unbindAll()
        provider.bindToLifecycle(this, selector, preview, analysis)
    }

    /** The display this activity is on (attached views or not). */
    @Suppress("DEPRECATION") // WindowManager.defaultDisplay: before API 30 only
    private fun activityDisplay(): Display =
        (if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) display else null)
            ?: windowManager.defaultDisplay

    private enum class Edge { TOP, BOTTOM }

    /**
     * Pads [view] (a panel over the edge-to-edge preview, at the [edge] of the screen) clear
     * of the system bars and display cutouts: the status bar above the top panel, a 3-button
     * navigation bar below the bottom one, and either at the sides in landscape.
     */
    private fun keepClearOfSystemBars(view: View, edge: Edge) {
        val padding = intArrayOf(view.paddingLeft, view.paddingTop, view.paddingRight, view.paddingBottom)
        ViewCompat.setOnApplyWindowInsetsListener(view) { v, insets ->
            val bars = insets.getInsets(WindowInsetsCompat.Type.systemBars() or WindowInsetsCompat.Type.displayCutout())
            v.setPadding(
                padding[0] + bars.left,
                padding[1] + if (edge == Edge.TOP) bars.top else 0,
                padding[2] + bars.right,
                padding[3] + if (edge == Edge.BOTTOM) bars.bottom else 0,
            )
            insets
        }
    }

    /** Runs on [worker] for every camera frame. */
    private fun analyze(image: ImageProxy) {
        val fps = inputFps.tick(image.imageInfo.timestamp)
        val current = classifier ?: return
        val prediction = try {
            current.classify(image)
        } catch (e: MovinetException) {
            Log.e(TAG, "classify failed", e)
            return
        } ?: return // paced out: the model takes about 5 frames per second
        show(prediction, fps)
        teacher?.let { t ->
            try {
                val progress = t.afterFrame()
                showTeachButton(progress)
                if (progress.done) finishTeaching(t)
            } catch (e: MovinetException) {
                Log.e(TAG, "teaching failed", e)
                runOnUiThread { resultsView.text = e.message }
            }
        }
    }

    /** The taught actions saved for this model file, if any. */
    private fun actionsFile(): File? = model?.let { File(filesDir, "${it.fileName}.actions") }

    /** Loads the actions saved for [m] and gives them to [c]; a file of another model is dropped. */
    private fun loadActions(m: MovinetModel, c: MovinetClassifier): ActionSet? {
        val file = actionsFile()?.takeIf { it.isFile } ?: return null
        return try {
            ActionSet.load(file, m).also { c.setActions(it) }
        } catch (e: MovinetException) {
            Log.w(TAG, "dropping ${file.name}: ${e.message}")
            file.delete()
            null
        }
    }

    /** "Teach": a name first, then each clip when the user is ready. */
    private fun teach() {
        worker.execute {
            val t = teacher
            if (t == null) {
                runOnUiThread(::askName)
                return@execute
            }
            try {
                showTeachButton(t.startClip())
            } catch (e: MovinetException) {
                runOnUiThread { resultsView.text = e.message }
            }
        }
    }

    private fun askName() {
        val input = EditText(this).apply { setHint(R.string.teach_hint) }
        AlertDialog.Builder(this)
            .setTitle(R.string.teach_title)
            .setView(input)
            .setPositiveButton(R.string.teach_start) { _, _ ->
                val name = input.text.toString().trim()
                worker.execute {
                    val c = classifier ?: return@execute
                    try {
                        // The core checks the name (ActionSet.checkName's rules).
                        val t = ActionTeacher(name, c)
                        teacher = t
                        showTeachButton(t.startClip())
                    } catch (e: MovinetException) {
                        runOnUiThread { resultsView.text = e.message }
                    }
                }
            }
            .setNegativeButton(android.R.string.cancel, null)
            .show()
    }

    /** Adds the three clips to the model's actions, saves them and classifies with them. */
    private fun finishTeaching(t: ActionTeacher) {
        val m = loadedModel ?: return
        val c = classifier ?: return
        val set = actions ?: ActionSet.create(m)
        t.commit(set)
        actionsFile()?.let(set::save)
        c.setActions(set)
        actions = set
        t.close()
        teacher = null
        showTeachButton(null)
        runOnUiThread { actionView.setText(R.string.no_action) }
    }

    /** Back to the model's own classes; the saved actions are deleted. */
    private fun forgetActions() {
        teacher?.close()
        teacher = null
        classifier?.setActions(null)
        actions?.close()
        actions = null
        actionsFile()?.delete()
        showTeachButton(null)
    }

    private fun showTeachButton(progress: TeachProgress?) {
        val text = when {
            progress == null -> getString(R.string.teach)
            progress.recording -> getString(
                R.string.teach_recording,
                progress.clipsDone + 1,
                progress.clips,
                (progress.clipFraction * 100).toInt(),
            )
            else -> getString(R.string.teach_next, progress.clipsDone + 1, progress.clips)
        }
        runOnUiThread { teachButton.text = text }
    }

    private fun showAction(change: EventChange) {
        val text = when (change) {
            is EventChange.Started -> getString(R.string.now, change.event.label)
            is EventChange.Ended -> getString(R.string.no_action)
        }
        runOnUiThread { actionView.text = text }
    }

    private fun show(prediction: Prediction, fps: Float) {
        val lines = prediction.categories.take(3).joinToString("\n") {
            String.format(Locale.US, "%-26s %5.1f%%", it.label.take(26), it.score * 100)
        }
        val stats = getString(
            R.string.stats,
            model?.title.orEmpty(),
            prediction.timings.inferenceMs,
            fps,
            prediction.modelFrames,
        )
        runOnUiThread {
            resultsView.text = lines.ifEmpty { getString(R.string.waiting) }
            statsView.text = stats
        }
    }

    /** A model bundled in the APK's assets (see build.gradle.kts, `StageModels`). */
    private data class ModelAsset(val fileName: String, val title: String) {
        companion object {
            private val NAME = Regex("""movinet_(a[0-2])_stream_int8(_synthetic)?\.tflite""")

            fun list(assets: AssetManager): List<ModelAsset> =
                assets.list("").orEmpty().mapNotNull { name ->
                    NAME.matchEntire(name)?.let { m ->
                        val synthetic = if (m.groupValues[2].isEmpty()) "" else " (random weights)"
                        ModelAsset(name, m.groupValues[1].uppercase(Locale.US) + synthetic)
                    }
                }.sortedBy { it.title }
        }
    }

    /** Frames per second arriving from the camera, smoothed. */
    private class FpsMeter {
        private var lastNanos = 0L
        private var fps = 0f

        fun reset() {
            lastNanos = 0L
            fps = 0f
        }

        fun tick(timestampNanos: Long): Float {
            if (lastNanos != 0L && timestampNanos > lastNanos) {
                val now = 1e9f / (timestampNanos - lastNanos)
                fps = if (fps == 0f) now else fps * 0.9f + now * 0.1f
            }
            lastNanos = timestampNanos
            return fps
        }
    }

    private companion object {
        const val TAG = "MovinetSample"

        /**
         * SHA-256 of the official model files, as `models/manifest.toml` lists them (A1 and A2:
         * not known yet, see there; the synthetic stand-ins are not pinned).
         */
        val OFFICIAL_SHA256 = mapOf(
            "movinet_a0_stream_int8.tflite" to "6125b36e2485eeb5cc1fd6206cf5e5d70235593fbc84610d1dce97fe3aa9c2ac",
        )
    }
}
