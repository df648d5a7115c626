// The Google Gemini API decoder, streamed or whole: whatever the provider
// sends, the request ends exactly once (see decoder_driver.h).
#include "decoder_driver.h"
#include "llm/adapters.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  toolorch::fuzz::drive_decoder<toolorch::llm::GeminiDecoder>(data, size);
  return 0;
}
