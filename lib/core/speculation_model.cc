// The "model" speculation source: a cheaper model is asked, beside the main
// request and with the same messages and tools, which calls come next.
//
// How the confidence is obtained: the request (not streamed) adds one tool,
// `predict_calls`, and forces it (tool_choice: that tool — OpenAI
// {"type":"function","function":{"name":...}}, Anthropic {"type":"tool",
// "name":...}). Its schema asks for every call the assistant will make next,
// each with the model's own confidence in [0, 1] that exactly this call
// (tool and arguments) comes:
//   {"calls": [{"tool": "search", "arguments": {...}, "confidence": 0.9}]}
// One request, so it costs one cheap completion; the confidence is the
// model's self-report, which the threshold filters. Anything else in the
// answer (text, other tools, a malformed list) counts as a source failure
// or drops the guess by reason; never the job's failure.
#include "core/codes.h"
#include "core/speculation.h"

namespace toolorch::core {
namespace {

const char kPredictTool[] = "predict_calls";
const char kPredictSchema[] =
    "{\"type\":\"object\",\"required\":[\"calls\"],\"properties\":{\"calls\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"required\":[\"tool\",\"arguments\",\"confidence\"],\"properties\":{"
    "\"tool\":{\"type\":\"string\",\"description\":\"the name of the tool the assistant will call\"},"
    "\"arguments\":{\"type\":\"object\",\"description\":\"its exact arguments\"},"
    "\"confidence\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1,"
    "\"description\":\"probability that the assistant makes exactly this call next\"}}}}}}";
const char kInstruction[] =
    "You predict the next step of the assistant in this conversation. Call predict_calls with every tool call "
    "the assistant will make in its next reply (the tool's name and its exact arguments), each with your "
    "confidence from 0 to 1 that the assistant makes exactly that call. Give an empty list if it will answer "
    "without tools. Do not make the calls yourself.";

}  // namespace

void Speculation::ask_model(const llm::Request &main) {
  if (!env_.model) {
    source_failed("no speculation model");
    end_source();
    return;
  }
  auto req = std::make_shared<llm::Request>();
  req->model = env_.model_name.empty() ? main.model : env_.model_name;
  req->stream = false;
  req->max_tokens = 1024;
  req->parallel_tool_calls = false;
  req->tool_choice = kPredictTool;
  std::string system = kInstruction;
  size_t bytes = system.size();
  const llm::RequestMessages list(main);
  for (const llm::Message &m : list) {
    if (m.role == llm::Message::Role::kSystem) {
      system += "\n\nThe assistant's own instructions:\n" + m.text;
      continue;
    }
    req->messages.push_back(m);
    req->messages.back().text = std::string(list.text(m));
    bytes += req->messages.back().text.size();
  }
  llm::Message sys;
  sys.role = llm::Message::Role::kSystem;
  sys.text = system;
  req->messages.insert(req->messages.begin(), std::move(sys));
  req->tools = main.tools;
  req->tools.push_back({kPredictTool, "Report the tool calls the assistant will make next.", kPredictSchema});
  auto send = [this, req] {
    model_req_ = env_.model->send(*req, this);
  };
  if (!env_.limits) {
    send();
    return;
  }
  // Its own service: waiting there never holds up the main request.
  limits::RateLimits::Ticket ticket = 0;
  int round = round_;
  int rc = env_.limits->acquire(env_.model_service, static_cast<double>(bytes / 4 + 256),
                                d_->sched()->now_us() + cfg_.timeout_ms * 1000,
                                [this, send, round](int status, loop::Micros) {
                                  permit_ticket_ = 0;
                                  if (!open_ || round != round_) return;
                                  if (status == TOOLORCH_OK) send();
                                  else {
                                    source_failed("rate limited");
                                    end_source();
                                  }
                                },
                                &ticket);
  if (rc == TOOLORCH_EAGAIN) permit_ticket_ = ticket;
  else if (rc == TOOLORCH_OK) send();
  else {
    source_failed("rate limited");
    end_source();
  }
}

void Speculation::on_finished(llm::Response &&response) {
  const llm::ToolCall *predicted = nullptr;
  for (const llm::ToolCall &c : response.tool_calls)
    if (c.name == kPredictTool) predicted = &c;
  json::Ptr doc = predicted ? json::parse(predicted->args_json) : nullptr;
  const cJSON *calls = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "calls") : nullptr;
  if (!cJSON_IsArray(calls)) {
    source_failed("the speculation model did not call predict_calls with a list of calls");
    end_source();
    return;
  }
  std::vector<Guess> guesses;
  for (const cJSON *c = calls->child; c; c = c->next) {
    Guess g;
    g.tool = json::get_string(c, "tool", "");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(c, "arguments");
    // Models sometimes send the arguments as a JSON text: take either.
    if (cJSON_IsString(args)) g.args = args->valuestring;
    else if (args) g.args = json::print(args);
    else g.args = "{}";
    g.confidence = json::get_number(c, "confidence", 0.0);
    guesses.push_back(std::move(g));
  }
  end_source();  // no more from the source; guesses go on
  for (Guess &g : guesses) {
    if (!open_) return;
    on_guess(std::move(g));
  }
}

void Speculation::on_error(llm::Error &&error) {
  source_failed(error.message);
  end_source();
}

}  // namespace toolorch::core
