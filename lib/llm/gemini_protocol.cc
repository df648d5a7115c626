// Google Gemini as data: POST {base}/v1beta/models/{model}:generateContent,
// or :streamGenerateContent?alt=sse (SSE, one GenerateContentResponse per
// event), key in x-goog-api-key. Gemini sends no rate-limit headers: its
// 429 body carries a RetryInfo (http_errors.cc reads it).
#include "llm/adapters.h"
#include "llm/protocol_spec.h"
#include "llm/request_util.h"

namespace toolorch::llm {

const ProtocolSpec &gemini_spec() {
  static const ProtocolSpec spec = {
      Protocol::kGemini,
      "gemini",
      "Gemini",
      [](const ProviderConfig &c, const Request &r) {
        return gemini_endpoint_url(c.base_url, r.model, r.stream);
      },
      [](const ProviderConfig &c, const Request &r) {
        std::vector<std::string> h = {"Content-Type: application/json",
                                      r.stream ? "Accept: text/event-stream" : "Accept: application/json"};
        if (!c.api_key.empty()) h.push_back("x-goog-api-key: " + c.api_key);
        return h;
      },
      [](const ProviderConfig &, const Request &r, std::string *body, std::string *err) {
        return encode_gemini_request(r, body, err);
      },
      [](Emitter *out) -> std::unique_ptr<Decoder> { return std::make_unique<GeminiDecoder>(out); },
      "",
      "",
      "",
      "",
  };
  return spec;
}

}  // namespace toolorch::llm
