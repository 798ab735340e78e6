// LiteRT 2.1.4's C API lets C++ exceptions escape (a malformed flatbuffer can make
// LiteRtCreateModelFromBuffer throw std::out_of_range). An exception unwinding into Rust
// aborts the process, so the calls that parse or run a model go through these wrappers,
// which turn any exception into an error status and a message.
//
// On Android libLiteRt.so carries its own (static) C++ runtime, not ours: an exception it
// throws may have a type_info the `std::exception` clause cannot match, so the catch-all is
// what stands between it and std::terminate. bindings/jni/tests/cxx_runtimes.rs throws from a
// library with its own C++ runtime into these wrappers, and shows the limit: a thrower with
// its own GNU unwinder as well aborts inside the unwinder, before any catch clause runs.
//
// Handles are declared as void*: the wrappers only pass them through, and the C ABI of a
// pointer does not depend on its pointee type.

#include <cstddef>
#include <cstring>
#include <exception>

extern "C" {

typedef int LiteRtStatus;

LiteRtStatus LiteRtCreateModelFromBuffer(const void* buffer_addr, size_t buffer_size,
                                         void** model);
LiteRtStatus LiteRtCreateCompiledModel(void* environment, void* model, void* options,
                                       void** compiled_model);
LiteRtStatus LiteRtRunCompiledModel(void* compiled_model, size_t signature_index,
                                    size_t num_input_buffers, void** input_buffers,
                                    size_t num_output_buffers, void** output_buffers);

// Returned when the call threw; the message (possibly cut) is in `message`.
static const LiteRtStatus kMovinetCppException = -10000;

}  // extern "C"

namespace {

void copy_message(const char* text, char* message, size_t message_len) {
  if (message == nullptr || message_len == 0) return;
  std::strncpy(message, text, message_len - 1);
  message[message_len - 1] = '\0';
}

template <typename Call>
LiteRtStatus guarded(Call call, char* message, size_t message_len) {
  try {
    return call();
  } catch (const std::exception& e) {
    copy_message(e.what(), message, message_len);
  } catch (...) {
    copy_message("an exception that is not a std::exception", message, message_len);
  }
  return kMovinetCppException;
}

}  // namespace

extern "C" {

LiteRtStatus movinet_guarded_create_model(const void* buffer_addr, size_t buffer_size,
                                          void** model, char* message, size_t message_len) {
  return guarded([&] { return LiteRtCreateModelFromBuffer(buffer_addr, buffer_size, model); },
                 message, message_len);
}

LiteRtStatus movinet_guarded_create_compiled_model(void* environment, void* model,
                                                   void* options, void** compiled_model,
                                                   char* message, size_t message_len) {
  return guarded(
      [&] { return LiteRtCreateCompiledModel(environment, model, options, compiled_model); },
      message, message_len);
}

LiteRtStatus movinet_guarded_run(void* compiled_model, size_t signature_index,
                                 size_t num_input_buffers, void** input_buffers,
                                 size_t num_output_buffers, void** output_buffers,
                                 char* message, size_t message_len) {
  return guarded(
      [&] {
        return LiteRtRunCompiledModel(compiled_model, signature_index, num_input_buffers,
                                      input_buffers, num_output_buffers, output_buffers);
      },
      message, message_len);
}

}  // extern "C"
