// swift-tools-version:5.9
//
// The movinet Swift package: live action recognition from camera frames on iOS.
//
//   import Movinet
//   let classifier = try await MovinetClassifier.load(modelURL: modelURL, labelsURL: labelsURL)
//   let prediction = try classifier.classify(sampleBuffer: sampleBuffer, orientation: .right)
//
// Targets:
//   Movinet         the Swift layer (CVPixelBuffer / CMSampleBuffer frames, async helpers,
//                   errors); re-exports MovinetFFI. This is what apps import.
//   MovinetFFI      the Swift bindings UniFFI generates from the Rust library
//                   (bindings/uniffi); checked in, CI fails when they are stale.
//   MovinetRustFFI  the Rust library as a static XCFramework (C header + module map inside).
//   LiteRt          LiteRT 2.1.4's runtime as a dynamic XCFramework (embedded in the app).
//   MovinetBenchmarks  XCTest `measure` of camera frame to prediction on a device.
//
// The two XCFrameworks are build outputs: run `ios/build-xcframework.sh` first (see it for
// where the LiteRT iOS libraries come from).
import PackageDescription

let package = Package(
    name: "Movinet",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Movinet", targets: ["Movinet"]),
    ],
    targets: [
        .target(
            name: "Movinet",
            dependencies: ["MovinetFFI"],
            path: "Sources/Movinet",
            // The SDK's privacy manifest: the core reads model and labels file metadata, a
            // required-reason API (App Store Connect refuses uploads without the manifest).
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
        .target(
            name: "MovinetFFI",
            dependencies: ["MovinetRustFFI", "LiteRt"],
            path: "Sources/MovinetFFI",
            // The C header and module map are packaged into MovinetRustFFI.xcframework by
            // build-xcframework.sh; they are kept here, beside the Swift generated with them.
            exclude: ["include"],
            // The Rust static library holds a little C++ (core/native/litert_guard.cc, which
            // catches LiteRT's exceptions), so the app links the C++ runtime.
            linkerSettings: [.linkedLibrary("c++")]
        ),
        // The iOS route of the benchmark harness (benches/ios/README.md): run on a device.
        .testTarget(
            name: "MovinetBenchmarks",
            dependencies: ["Movinet"],
            path: "Tests/MovinetBenchmarks",
            resources: [.copy("Models")]
        ),
        .binaryTarget(name: "MovinetRustFFI", path: "Frameworks/MovinetRustFFI.xcframework"),
        .binaryTarget(name: "LiteRt", path: "Frameworks/LiteRt.xcframework"),
    ]
)
