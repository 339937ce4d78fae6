#pragma once

#include <functional>
#include <memory>

#include <signal.h>

class QSocketNotifier;

namespace codex {

/// Turns SIGINT/SIGTERM into a callback on the event loop (self-pipe: the handler only writes a
/// byte), for commands that stop cleanly (batch-restore cancels, serve-sim and watch exit, the demo app quits and removes its temporary workspace).
/// Restores the previous handlers when destroyed. One at a time per process.
class SignalWatcher {
public:
    explicit SignalWatcher(std::function<void(int)> onSignal);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher &) = delete;
    SignalWatcher &operator=(const SignalWatcher &) = delete;

private:
    std::function<void(int)> m_onSignal;
    std::unique_ptr<QSocketNotifier> m_notifier;
    struct sigaction m_oldInt {};
    struct sigaction m_oldTerm {};
    bool m_installed = false;
};

}  // namespace codex
