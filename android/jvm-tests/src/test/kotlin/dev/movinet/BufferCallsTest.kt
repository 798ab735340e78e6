package dev.movinet

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.ByteArrayInputStream
import java.io.DataInputStream
import java.io.File

/**
 * The library's bytecode calls `clear()`, `flip()` and the other position setters of
 * `java.nio.Buffer` through `Buffer`, never through a subclass's JDK 9 covariant override
 * (`ByteBuffer.clear()Ljava/nio/ByteBuffer;`): compiled against a class library that declares
 * those overrides (JDK 9 and later, as here, and Android's newer SDKs), a call on a
 * `ByteBuffer` binds to the override, which Android API 24-28 devices do not have
 * (`NoSuchMethodError` at the call). This reads the constant pools of the classes compiled
 * from `android/movinet/src` (the same sources Gradle compiles; the adapters of
 * `MovinetAndroid.kt` included) and fails on any such method reference.
 */
class BufferCallsTest {
    /** A method reference of a class file: owner class, name and descriptor. */
    private data class MethodRef(val owner: String, val name: String, val descriptor: String)

    /** What the test reads of a class file: its source file and the methods it calls. */
    private class ClassFile(val sourceFile: String?, val methodRefs: List<MethodRef>)

    @Test
    fun bufferPositionCallsGoThroughBuffer() {
        val sources = listOf("main", "android")
            .flatMap { File("../movinet/src/$it/kotlin/dev/movinet").listFiles().orEmpty().toList() }
            .map { it.name }
            .filter { it.endsWith(".kt") }
            .toSet()
        assertTrue("MovinetAndroid.kt" in sources && "MovinetClassifier.kt" in sources, "sources: $sources")
        // The main sources compile to target/classes, the Android adapters (with the tests) to
        // target/test-classes.
        val loader = BufferCallsTest::class.java.classLoader
        val dirs = listOf("dev.movinet.NativeLibrary", "dev.movinet.MovinetAndroid")
            .map { Class.forName(it, false, loader) } // found, not initialised
            .map { File(it.protectionDomain.codeSource.location.toURI()) }
            .distinct()
        val classes = dirs.flatMap { dir -> dir.walk().filter { it.extension == "class" }.toList() }
            .map { it to parse(it.readBytes()) }
            .filter { (_, c) -> c.sourceFile in sources }
        assertEquals(sources, classes.map { it.second.sourceFile }.toSet(), "a source file compiled to no class")
        val setters = setOf("clear", "flip", "rewind", "mark", "reset", "position", "limit")
        val bufferCalls = classes.flatMap { (file, c) -> c.methodRefs.map { file.name to it } }
            .filter { (_, m) -> m.owner.startsWith("java/nio/") && m.name in setters }
        val covariant = bufferCalls.filter { (_, m) ->
            m.owner != "java/nio/Buffer" && m.descriptor.substringAfter(')').startsWith("Ljava/nio/")
        }
        assertTrue(covariant.isEmpty(), "calls of JDK 9 covariant Buffer overrides: $covariant")
        // The calls the adapters make are there, through Buffer: the scan reads what it should.
        assertTrue(
            bufferCalls.any { (_, m) -> m.owner == "java/nio/Buffer" && m.name == "flip" } &&
                bufferCalls.any { (_, m) -> m.owner == "java/nio/Buffer" && m.name == "clear" },
            "no Buffer.flip/clear call found: $bufferCalls",
        )
    }

    /** The `SourceFile` attribute and the method references of a class file (JVMS 4.1). */
    private fun parse(bytes: ByteArray): ClassFile {
        val input = DataInputStream(ByteArrayInputStream(bytes))
        check(input.readInt() == 0xCAFEBABE.toInt()) { "not a class file" }
        input.skipBytes(4) // minor, major version
        val count = input.readUnsignedShort()
        val utf8 = arrayOfNulls<String>(count)
        val refs = mutableListOf<Pair<Int, Int>>() // (class index, name-and-type index)
        val classNames = IntArray(count)
        val nameAndTypes = Array(count) { 0 to 0 }
        var i = 1
        while (i < count) {
            when (val tag = input.readUnsignedByte()) {
                1 -> utf8[i] = input.readUTF()
                7 -> classNames[i] = input.readUnsignedShort()
                10, 11 -> refs += input.readUnsignedShort() to input.readUnsignedShort()
                12 -> nameAndTypes[i] = input.readUnsignedShort() to input.readUnsignedShort()
                3, 4 -> input.skipBytes(4)
                5, 6 -> {
                    input.skipBytes(8)
                    i++ // eight-byte constants take two entries
                }
                9, 17, 18 -> input.skipBytes(4)
                8, 16, 19, 20 -> input.skipBytes(2)
                15 -> input.skipBytes(3)
                else -> error("constant pool tag $tag")
            }
            i++
        }
        input.skipBytes(6) // access flags, this class, super class
        input.skipBytes(2 * input.readUnsignedShort()) // interfaces
        repeat(2) { // fields, then methods
            repeat(input.readUnsignedShort()) {
                input.skipBytes(6)
                repeat(input.readUnsignedShort()) { input.skipBytes(2); input.skipBytes(input.readInt()) }
            }
        }
        var sourceFile: String? = null
        repeat(input.readUnsignedShort()) {
            val name = utf8[input.readUnsignedShort()]
            val length = input.readInt()
            if (name == "SourceFile") sourceFile = utf8[input.readUnsignedShort()] else input.skipBytes(length)
        }
        val methodRefs = refs.map { (owner, nameAndType) ->
            val (name, descriptor) = nameAndTypes[nameAndType]
            MethodRef(utf8[classNames[owner]].orEmpty(), utf8[name].orEmpty(), utf8[descriptor].orEmpty())
        }
        return ClassFile(sourceFile, methodRefs)
    }
}
