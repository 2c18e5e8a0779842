using Mos.Native;

namespace Mos;

/// <summary>Monitor calls of a <see cref="Context"/>.</summary>
public static unsafe class MonitorContextExtensions
{
    /// <summary>A new passive monitor socket on this context with <paramref name="options"/> applied.</summary>
    public static MonitorSocket CreateMonitorSocket(this Context ctx, MonitorOptions? options = null) =>
        MonitorSocket.Create(ctx, options);

    /// <summary>Ends every flow the context monitors now (<c>mos_monitor_flush</c>): each gets
    /// ConnectionEnd with <see cref="FlowEnd.Shutdown"/>. Call after a replay. For a
    /// run-to-completion context, from its thread only (the handlers run inside this call);
    /// rethrows a handler's exception.</summary>
    public static void FlushMonitor(this Context ctx)
    {
        MosException.Check(Mtcp.mos_monitor_flush(ctx.Handle), "mos_monitor_flush");
        MonitorBridge.ThrowIfFailed(ctx.Handle);
    }

    /// <summary>Monitor counters of this context (any thread).</summary>
    public static MonitorStats GetMonitorStats(this Context ctx) => GetMonitorStats(ctx.Core);

    /// <summary>Monitor counters of the context on <paramref name="core"/> (any thread).</summary>
    public static MonitorStats GetMonitorStats(int core)
    {
        mos_monitor_stats s;
        MosException.Check(Mtcp.mos_monitor_stats(core, &s), "mos_monitor_stats");
        return MonitorStats.From(s);
    }

    /// <summary>Calls <paramref name="handler"/> once, on the thread driving the context,
    /// when <paramref name="delay"/> has passed on the context's clock (capture time in
    /// replays) (<c>mtcp_settimer</c>). The handler may re-arm the same id. Thread-safe; an
    /// id already armed is refused with <see cref="InvalidOperationException"/>.</summary>
    public static void SetTimer(this Context ctx, int id, TimeSpan delay, MonitorTimerHandler handler) =>
        MonitorBridge.For(ctx).SetTimer(ctx.Handle, id, delay, handler);
}
