// Delivers sg_events ring-buffer records to one JS function. The ring buffer's epoll fd
// sits in the Node loop as a uv_poll handle. The kernel wakes it only for held calls
// (they wait for an answer); every other record is collected by a 50 ms timer or rides
// along with the next wake-up. While paused, neither holds the process open.
#pragma once
#include <napi.h>
#include <uv.h>

#include <optional>

struct ring_buffer;

namespace sg {

class EventStream {
 public:
  // Throws StepError when the ring buffer cannot be mapped.
  EventStream(Napi::Env env, int ringbuf_map_fd);
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Calls listener(record: Buffer) for each record, synchronously, in order.
  void Start(Napi::Function listener);
  void Pause();
  // Stops for good and frees itself once libuv has closed the handle. Safe to call from
  // inside the listener.
  void Close();

 private:
  ~EventStream();
  static void OnReadable(uv_poll_t* handle, int status, int events);
  static void OnTimer(uv_timer_t* timer);
  void Consume();
  static int OnRecord(void* ctx, void* data, size_t size);
  void FinishClose();

  Napi::Env env_;
  ring_buffer* rb_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  Napi::FunctionReference listener_;
  std::optional<Napi::AsyncContext> async_;  // released at Close(), while the env is alive
  Napi::Reference<Napi::Value> error_;  // thrown by the listener mid-batch
  bool dispatching_ = false;
  bool paused_ = true;  // until Start()
  bool close_requested_ = false;
  bool closing_ = false;  // uv_close() was called
  int handles_closed_ = 0;
};

}  // namespace sg
