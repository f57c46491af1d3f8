// One NETLINK_NETFILTER socket, opened in a given network namespace, for the NFQUEUE
// reader. It only sends and receives datagrams: every byte of nfnetlink_queue is encoded
// and decoded in TypeScript (@sockgate/protocol nfqueue). Wakes through a uv_poll handle
// in the Node loop; reads every datagram waiting at each wake-up.
#pragma once
#include <napi.h>
#include <uv.h>

#include <optional>
#include <string>
#include <vector>

namespace sg {

class NetlinkSocket : public Napi::ObjectWrap<NetlinkSocket> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NetlinkSocket(netnsPath: string, rcvbufBytes: number)
  explicit NetlinkSocket(const Napi::CallbackInfo& info);
  ~NetlinkSocket() override;

 private:
  Napi::Value PortId(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);    // (datagram: Buffer) => void
  Napi::Value Start(const Napi::CallbackInfo& info);   // (onDatagram(buf), onOverrun(count)) => void
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);   // () => reads what is waiting now, delivering it as usual

  static void OnReadable(uv_poll_t* handle, int status, int events);
  void ReadAll(Napi::Env env);
  void Release();

  int fd_ = -1;
  std::vector<uint8_t> buf_;  // one receive buffer for the socket's life: no allocation per wake-up
  uint32_t port_id_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_datagram_;
  Napi::FunctionReference on_overrun_;
  std::optional<Napi::AsyncContext> async_;
  bool started_ = false;
  bool reading_ = false;  // inside ReadAll: a drain from a datagram's own callback does nothing
};

}  // namespace sg
