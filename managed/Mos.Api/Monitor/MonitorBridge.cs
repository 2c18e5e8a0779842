using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Mos.Native;

namespace Mos;

/// <summary>Handles a monitor event. Runs on the thread that drives the flow's context:
/// the context's stack thread, or in run-to-completion mode the thread inside
/// <see cref="Context.Poll"/> / <see cref="MonitorContextExtensions.FlushMonitor"/>. It must
/// not block. <paramref name="e"/> is valid only during the call. An exception it throws is
/// caught before it reaches native code, the stack is stopped (<c>mos_stop</c>) and the
/// exception is rethrown by the Poll, Join or FlushMonitor call that drove the context.</summary>
public delegate void FlowEventHandler(FlowEvent e);

/// <summary>A one-shot timer of a context fired (<c>mtcp_settimer</c>). Runs on the thread
/// that drives the context, like <see cref="FlowEventHandler"/>; may re-arm itself.</summary>
public delegate void MonitorTimerHandler(int id);

/// <summary>Routes native monitor callbacks to managed handlers.</summary>
/// <remarks>
/// The C callback signature (<c>callback_t</c>) carries no user pointer, only the context,
/// the per-flow socket, the side and the event. So there is one static
/// <c>[UnmanagedCallersOnly]</c> trampoline per hook point (the hook is not passed either),
/// and each trampoline finds the handler by (context, hook, event) in the context's table.
/// Limitation: one managed handler per context, hook and event. A second passive socket of
/// the same context may register the same delegate for the same (event, hook) (both
/// sockets' flows then reach it); a different delegate is refused with
/// <see cref="InvalidOperationException"/>. Timers are keyed by (context, timer id).
/// Nothing thrown by a handler crosses into C: the first exception is recorded, later
/// callbacks of that context are skipped, the stack is stopped and the exception is
/// rethrown on the managed side (<see cref="ThrowIfFailed"/>).
/// </remarks>
internal sealed unsafe class MonitorBridge
{
    private const int Hooks = 3, Events = Mtcp.NUM_BEV;

    private static readonly ConcurrentDictionary<nint, MonitorBridge> Bridges = new();

    private readonly Slot?[] _slots = new Slot?[Hooks * Events];
    private readonly Dictionary<int, MonitorTimerHandler> _timers = new();
    private readonly object _lock = new();
    private ExceptionDispatchInfo? _failure;

    private MonitorBridge(int core) => Core = core;

    /// <summary>The core of the context.</summary>
    public int Core { get; }

    private sealed class Slot(FlowEventHandler handler)
    {
        public FlowEventHandler Handler { get; } = handler;
        public HashSet<int> Sockets { get; } = new();
    }

    public static MonitorBridge For(Context ctx) => Bridges.GetOrAdd((nint)ctx.Handle, _ => new MonitorBridge(ctx.Core));

    /// <summary>Forgets a destroyed context (no callback can come any more).</summary>
    public static void Release(mtcp_context* m) => Bridges.TryRemove((nint)m, out _);

    /// <summary>Rethrows (once) the exception a handler of this context threw.</summary>
    public static void ThrowIfFailed(mtcp_context* m)
    {
        if (Bridges.TryGetValue((nint)m, out var b) && Interlocked.Exchange(ref b._failure, null) is { } f)
            f.Throw();
    }

    private static int HookIndex(MonitorHook hook) => hook switch
    {
        MonitorHook.None => 0,
        MonitorHook.Receive => 1,
        MonitorHook.Send => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "not a hook point"),
    };

    private static int SlotIndex(MonitorEvent ev, MonitorHook hook)
    {
        ulong bits = (ulong)ev;
        if (bits == 0 || !BitOperations.IsPow2(bits) || bits >= 1ul << Events)
            throw new ArgumentOutOfRangeException(nameof(ev), ev, "not a built-in event");
        return HookIndex(hook) * Events + BitOperations.TrailingZeroCount(bits);
    }

    private static delegate* unmanaged[Cdecl]<mtcp_context*, int, int, ulong, filter_arg*, void> Trampoline(MonitorHook hook) =>
        hook switch
        {
            MonitorHook.None => &OnNull,
            MonitorHook.Receive => &OnReceive,
            _ => &OnSend,
        };

    /// <summary>Registers <paramref name="handler"/> for (event, hook) on socket <paramref name="sock"/>.</summary>
    public void Register(mtcp_context* m, int sock, MonitorEvent ev, MonitorHook hook, FlowEventHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        int i = SlotIndex(ev, hook);
        lock (_lock)
        {
            var old = _slots[i];
            if (old is not null && old.Handler != handler && !(old.Sockets.Count == 1 && old.Sockets.Contains(sock)))
                throw new InvalidOperationException(
                    $"{ev} at {hook} already has another handler on this context (one managed handler per context, hook and event)");
            var slot = old;
            if (slot is null || slot.Handler != handler)
            {
                slot = new Slot(handler);
                if (old is not null)
                    slot.Sockets.UnionWith(old.Sockets);
                _slots[i] = slot; // published before the native registration can deliver events
            }
            if (Mtcp.mtcp_register_callback(m, sock, (ulong)ev, unchecked((int)(uint)hook), Trampoline(hook)) != 0)
            {
                var e = MosException.FromLastError("mtcp_register_callback");
                _slots[i] = old;
                throw e;
            }
            slot.Sockets.Add(sock);
        }
    }

    /// <summary>Removes the handler of (event, hook) from socket <paramref name="sock"/>.</summary>
    public void Unregister(mtcp_context* m, int sock, MonitorEvent ev, MonitorHook hook)
    {
        int i = SlotIndex(ev, hook);
        lock (_lock)
        {
            MosException.Check(Mtcp.mtcp_unregister_callback(m, sock, (ulong)ev, unchecked((int)(uint)hook)),
                "mtcp_unregister_callback");
            Forget(i, sock);
        }
    }

    /// <summary>Forgets every registration of a closed socket.</summary>
    public void UnregisterAll(int sock)
    {
        lock (_lock)
        {
            for (int i = 0; i < _slots.Length; i++)
                Forget(i, sock);
        }
    }

    private void Forget(int i, int sock)
    {
        if (_slots[i] is { } slot && slot.Sockets.Remove(sock) && slot.Sockets.Count == 0)
            _slots[i] = null;
    }

    /// <summary>Arms timer <paramref name="id"/> (one-shot) on context <paramref name="m"/>.</summary>
    public void SetTimer(mtcp_context* m, int id, TimeSpan delay, MonitorTimerHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (delay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "negative delay");
        long us = (long)(delay.Ticks / (TimeSpan.TicksPerMillisecond / 1000));
        var tv = new timeval { tv_sec = us / 1_000_000, tv_usec = us % 1_000_000 };
        lock (_lock)
        {
            if (!_timers.TryAdd(id, handler))
                throw new InvalidOperationException($"timer {id} is already armed on this context");
            if (Mtcp.mtcp_settimer(m, id, &tv, &OnTimer) != 0)
            {
                var e = MosException.FromLastError("mtcp_settimer");
                _timers.Remove(id);
                throw e;
            }
        }
    }

    private void Fail(Exception e)
    {
        if (Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null) is null)
            Mtcp.mos_stop();
    }

    private static void Dispatch(mtcp_context* m, int hook, int sock, int side, ulong ev)
    {
        if (!Bridges.TryGetValue((nint)m, out var b) || b._failure is not null)
            return;
        try
        {
            if (ev == 0 || ev >= 1ul << Events || !BitOperations.IsPow2(ev))
                return; // user-defined events are not bridged
            var slot = b._slots[hook * Events + BitOperations.TrailingZeroCount(ev)];
            MonitorHook h = hook == 0 ? MonitorHook.None : hook == 1 ? MonitorHook.Receive : MonitorHook.Send;
            slot?.Handler(new FlowEvent(m, b.Core, sock, side, (MonitorEvent)ev, h));
        }
        catch (Exception e)
        {
            b.Fail(e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void OnNull(mtcp_context* m, int sock, int side, ulong ev, filter_arg* arg) => Dispatch(m, 0, sock, side, ev);

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void OnReceive(mtcp_context* m, int sock, int side, ulong ev, filter_arg* arg) => Dispatch(m, 1, sock, side, ev);

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void OnSend(mtcp_context* m, int sock, int side, ulong ev, filter_arg* arg) => Dispatch(m, 2, sock, side, ev);

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void OnTimer(mtcp_context* m, int id, int side, ulong ev, filter_arg* arg)
    {
        if (!Bridges.TryGetValue((nint)m, out var b) || b._failure is not null)
            return;
        try
        {
            MonitorTimerHandler? h;
            lock (b._lock)
            {
                if (b._timers.Remove(id, out h) == false)
                    return;
            }
            h(id);
        }
        catch (Exception e)
        {
            b.Fail(e);
        }
    }
}
