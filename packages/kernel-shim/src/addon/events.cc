#include "events.h"

#include <bpf/libbpf.h>
#include <errno.h>

#include "errors.h"

namespace sg {

EventStream::EventStream(Napi::Env env, int ringbuf_map_fd) : env_(env) {
  rb_ = ring_buffer__new(ringbuf_map_fd, OnRecord, this, nullptr);
  if (rb_ == nullptr) throw StepError("events", "bpf", errno, "map the sg_events ring buffer");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    ring_buffer__free(rb_);
    throw StepError("events", "", 0, "get the Node event loop");
  }
  poll_ = new uv_poll_t;
  int err = uv_poll_init(loop, poll_, ring_buffer__epoll_fd(rb_));
  if (err != 0) {
    delete poll_;
    ring_buffer__free(rb_);
    throw StepError("events", "epoll_ctl", -err, "watch the ring buffer's epoll fd");
  }
  poll_->data = this;
  timer_ = new uv_timer_t;
  uv_timer_init(loop, timer_);
  timer_->data = this;
  async_.emplace(env, "sockgate:events");
}

EventStream::~EventStream() {
  ring_buffer__free(rb_);
  delete poll_;
  delete timer_;
}

// Records the kernel did not wake us for: answered calls, reported a little later.
constexpr uint64_t kCollectMs = 50;

void EventStream::Start(Napi::Function listener) {
  listener_ = Napi::Persistent(listener);
  paused_ = false;
  int err = uv_poll_start(poll_, UV_READABLE, OnReadable);
  if (err != 0) throw StepError("events", "epoll_ctl", -err, "start watching the ring buffer");
  uv_timer_start(timer_, OnTimer, kCollectMs, kCollectMs);
}

void EventStream::Pause() {
  paused_ = true;
  uv_poll_stop(poll_);
  uv_timer_stop(timer_);
}

void EventStream::Close() {
  if (close_requested_) return;
  close_requested_ = true;
  uv_poll_stop(poll_);
  uv_timer_stop(timer_);
  // ring_buffer__consume is still walking the buffer: OnReadable finishes the close.
  if (!dispatching_) FinishClose();
}

void EventStream::FinishClose() {
  if (closing_) return;
  closing_ = true;
  // Everything that talks to JS goes now: the close callback may run during teardown,
  // after the JS context is gone.
  listener_.Reset();
  error_.Reset();
  async_.reset();
  // Two handles: the stream frees itself when the second one has closed.
  auto closed = [](uv_handle_t* handle) {
    auto* self = static_cast<EventStream*>(handle->data);
    if (++self->handles_closed_ == 2) delete self;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), closed);
}

void EventStream::OnTimer(uv_timer_t* timer) { static_cast<EventStream*>(timer->data)->Consume(); }

void EventStream::OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<EventStream*>(handle->data);
  if (status < 0) {
    Napi::HandleScope scope(self->env_);
    // The epoll fd itself failed: stop rather than spin, and say so.
    uv_poll_stop(handle);
    Napi::Error err = ToJsError(self->env_, StepError("events", "epoll_wait", -status, "wait for event records"));
    napi_fatal_exception(self->env_, err.Value());
    return;
  }
  self->Consume();
}

void EventStream::Consume() {
  // Nothing is handed to OnRecord unless it can be delivered (see there).
  if (close_requested_ || paused_ || dispatching_ || listener_.IsEmpty()) return;
  Napi::HandleScope scope(env_);
  // A listener or an uncaughtException handler may close the stream meanwhile.
  dispatching_ = true;
  {
    // One callback scope per wake-up: microtasks and nextTicks run once per batch,
    // not once per record.
    Napi::CallbackScope callback_scope(env_, *async_);
    ring_buffer__consume(rb_);
  }
  if (!error_.IsEmpty()) {
    Napi::Value err = error_.Value();
    error_.Reset();
    napi_fatal_exception(env_, err);
  }
  dispatching_ = false;
  if (close_requested_) FinishClose();
}

// libbpf advances past the record whose callback fails, so a callback never refuses a
// record it was handed: it stops after one that was delivered. A listener that threw,
// closed or paused the stream leaves the rest of the batch in the ring buffer, for the
// next wake-up or the next shim opened on these pins.
int EventStream::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<EventStream*>(ctx);
  try {
    Napi::Buffer<uint8_t> record = Napi::Buffer<uint8_t>::Copy(self->env_, static_cast<uint8_t*>(data), size);
    self->listener_.Call({record});
  } catch (const Napi::Error& e) {
    self->error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
    return -ECANCELED;
  }
  return self->close_requested_ || self->paused_ ? -ECANCELED : 0;
}

}  // namespace sg
