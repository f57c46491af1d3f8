#include "netlink-socket.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "errors.h"
#include "netns.h"

namespace sg {

Napi::Function NetlinkSocket::Define(Napi::Env env) {
  return DefineClass(env, "NetlinkSocket",
                     {
                         InstanceMethod<&NetlinkSocket::PortId>("portId"),
                         InstanceMethod<&NetlinkSocket::Send>("send"),
                         InstanceMethod<&NetlinkSocket::Start>("start"),
                         InstanceMethod<&NetlinkSocket::Close>("close"),
                         InstanceMethod<&NetlinkSocket::Drain>("drain"),
                     });
}

NetlinkSocket::NetlinkSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "NetlinkSocket(netnsPath: string, rcvbufBytes: number)");
  }
  std::string netns = info[0].As<Napi::String>().Utf8Value();
  int rcvbuf = info[1].As<Napi::Number>().Int32Value();
  Guard(env, [&] {
    // The socket belongs to the namespace it is made in: its queues are that namespace's.
    InNetns(netns, [&] {
      fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
      if (fd_ < 0) throw StepError("queue", "socket", errno, "open a NETLINK_NETFILTER socket");
    });
    sockaddr_nl local = {};
    local.nl_family = AF_NETLINK;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      int err = errno;
      Release();
      throw StepError("queue", "bind", err, "bind the NETLINK_NETFILTER socket");
    }
    socklen_t len = sizeof local;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
    port_id_ = local.nl_pid;
    // A held burst must not overrun the socket: a larger buffer (root may force it).
    if (rcvbuf > 0 && setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    int one = 1;
    setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  });
}

NetlinkSocket::~NetlinkSocket() { Release(); }

void NetlinkSocket::Release() {
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  on_datagram_.Reset();
  on_overrun_.Reset();
  async_.reset();
  if (started_) {
    started_ = false;
    Unref();
  }
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Napi::Value NetlinkSocket::PortId(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), port_id_); }

Napi::Value NetlinkSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) throw Napi::Error::New(env, "the netlink socket is closed");
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "datagram must be a Buffer");
  auto bytes = info[0].As<Napi::Uint8Array>();
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  Guard(env, [&] {
    ssize_t n;
    do {
      n = sendto(fd_, bytes.Data(), bytes.ByteLength(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw StepError("queue", "sendto", errno, "send to nfnetlink_queue");
  });
  return env.Undefined();
}

Napi::Value NetlinkSocket::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) throw Napi::Error::New(env, "the netlink socket is closed");
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "start(onDatagram: function, onOverrun: function)");
  }
  if (started_) throw Napi::Error::New(env, "the netlink socket is already started");
  on_datagram_ = Napi::Persistent(info[0].As<Napi::Function>());
  on_overrun_ = Napi::Persistent(info[1].As<Napi::Function>());
  async_.emplace(env, "sockgate:nfqueue");
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  int err = uv_poll_init(loop, poll_, fd_);
  if (err != 0) {
    delete poll_;
    poll_ = nullptr;
    throw ToJsError(env, StepError("queue", "epoll_ctl", -err, "watch the netlink socket"));
  }
  poll_->data = this;
  uv_poll_start(poll_, UV_READABLE, OnReadable);
  started_ = true;
  Ref();  // delivering packets: must not be collected
  return env.Undefined();
}

void NetlinkSocket::OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<NetlinkSocket*>(handle->data);
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  if (status < 0 || self->fd_ < 0) return;
  Napi::CallbackScope callback_scope(env, *self->async_);
  self->ReadAll(env);
}

Napi::Value NetlinkSocket::Drain(const Napi::CallbackInfo& info) {
  // Called from JS (a flow was just decided): its queued packet may already be waiting,
  // and its verdict should not wait for the rest of this turn of the loop.
  if (fd_ >= 0 && started_ && !reading_) ReadAll(info.Env());
  return info.Env().Undefined();
}

void NetlinkSocket::ReadAll(Napi::Env env) {
  NetlinkSocket* self = this;
  self->reading_ = true;
  std::vector<uint8_t>& buf = self->buf_;
  if (buf.empty()) buf.resize(256 * 1024);
  uint32_t overruns = 0;
  // Bounded per wake-up so one busy queue cannot starve the loop.
  for (int i = 0; i < 1024 && self->fd_ >= 0; i++) {
    ssize_t n = recv(self->fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // the kernel dropped messages for us: say so, keep reading
        overruns++;
        continue;
      }
      break;  // EAGAIN: drained
    }
    Napi::Buffer<uint8_t> datagram = Napi::Buffer<uint8_t>::Copy(env, buf.data(), static_cast<size_t>(n));
    try {
      self->on_datagram_.Call({datagram});
    } catch (const Napi::Error& e) {
      self->reading_ = false;
      napi_fatal_exception(env, e.Value());
      return;
    }
  }
  self->reading_ = false;
  if (overruns > 0 && !self->on_overrun_.IsEmpty()) self->on_overrun_.Call({Napi::Number::New(env, overruns)});
}

Napi::Value NetlinkSocket::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

}  // namespace sg
