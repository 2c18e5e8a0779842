using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Mos.Host.Apps;

/// <summary>Options of the HTTP client / load generator.</summary>
public sealed record EpWgetOptions(string Url, long Requests, int Concurrency, int Cores, string? Output,
    bool KeepAlive, double TimeoutSeconds = 30);

/// <summary>Totals of an epwget run.</summary>
public sealed record EpWgetResult(long Completed, long Errors, long Connections, long BodyBytes, double Seconds)
{
    public double ConnectionsPerSecond => Seconds > 0 ? Connections / Seconds : 0;

    public double Gbps => Seconds > 0 ? BodyBytes * 8 / Seconds / 1e9 : 0;
}

/// <summary>epwget: an HTTP client and load generator on the mOS-NG end-host stack. One
/// thread per core drives its own run-to-completion context; each keeps up to its share
/// of the concurrency in flight, with source ports chosen (mtcp_init_rss) so replies come
/// back to the same core. With an output file the body of the first response is written
/// there.</summary>
public sealed class EpWget
{
    private readonly EpWgetOptions _opt;
    private readonly IPEndPoint _server;
    private readonly byte[] _request;
    private long _started, _completed, _errors, _connections, _bytes;
    private int _outputTaken;
    private readonly ConcurrentQueue<string> _errorSamples = new();

    public EpWget(EpWgetOptions opt)
    {
        _opt = opt;
        (var server, string host, string path) = Http.ParseUrl(opt.Url);
        _server = server;
        _request = Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mos-epwget\r\nAccept: */*\r\n" +
            $"Connection: {(opt.KeepAlive ? "keep-alive" : "close")}\r\n\r\n");
    }

    public IEnumerable<string> ErrorSamples => _errorSamples;

    public EpWgetResult Run(Stack stack)
    {
        var clock = Stopwatch.StartNew();
        var threads = new List<Thread>();
        var failures = new ConcurrentQueue<Exception>();
        for (int core = 0; core < _opt.Cores; core++)
        {
            int c = core;
            int share = _opt.Concurrency / _opt.Cores + (c < _opt.Concurrency % _opt.Cores ? 1 : 0);
            var t = new Thread(() =>
            {
                try { RunCore(stack, c, Math.Max(1, share)); }
                catch (Exception e) { failures.Enqueue(e); stack.Stop(); }
            }) { Name = $"epwget-{c}", IsBackground = true };
            t.Start();
            threads.Add(t);
        }
        foreach (var t in threads)
            t.Join();
        if (failures.TryDequeue(out var first))
            throw first;
        return new EpWgetResult(_completed, _errors, _connections, _bytes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One connection in flight.</summary>
    private sealed class Conn(TcpSocket socket)
    {
        public TcpSocket Socket { get; } = socket;
        public bool Connected;
        public int RequestSent;
        public byte[] Head = new byte[8192];
        public int HeadLen;
        public Http.Head? Response;
        public long BodyLeft = -1; // -1: until close
        public long BodyGot;
        public FileStream? Output;
        public long Deadline;
    }

    /// <summary>Takes the next request to issue; false when all are taken.</summary>
    private bool TakeRequest() => Interlocked.Increment(ref _started) <= _opt.Requests;

    private void RunCore(Stack stack, int core, int concurrency)
    {
        using var ctx = stack.CreateContext(core, runToCompletion: true);
        TcpSocket.InitRss(ctx, IPAddress.Any, _server);
        using var ep = ctx.CreateEpoll(concurrency * 2 + 16);
        var conns = new Dictionary<int, Conn>();
        var events = new EpollEvent[256];
        try
        {
            while (true)
            {
                while (conns.Count < concurrency && TakeRequest())
                    Open(ctx, ep, conns);
                if (conns.Count == 0)
                    break;
                int n = ep.Wait(events, 50);
                if (n < 0)
                    break;
                for (int i = 0; i < n; i++)
                {
                    if (conns.TryGetValue((int)events[i].Data, out var c))
                        Step(c, events[i].Events, ep, conns);
                }
                ExpireTimeouts(conns);
            }
        }
        finally
        {
            foreach (var c in conns.Values)
                Finish(c, conns, error: "stopped before completion");
        }
    }

    private void Open(Context ctx, Epoll ep, Dictionary<int, Conn> conns)
    {
        var s = ctx.CreateTcpSocket();
        s.Blocking = false;
        var c = new Conn(s) { Deadline = Environment.TickCount64 + (long)(_opt.TimeoutSeconds * 1000) };
        conns[s.Id] = c;
        Interlocked.Increment(ref _connections);
        try
        {
            c.Connected = s.Connect(_server);
            ep.Add(s, EpollEvents.Out | EpollEvents.In | EpollEvents.ReadHangUp, (ulong)s.Id);
        }
        catch (MosException e)
        {
            Finish(c, conns, error: e.Message);
        }
    }

    private void Step(Conn c, EpollEvents ev, Epoll ep, Dictionary<int, Conn> conns)
    {
        try
        {
            if (!c.Connected && (ev & (EpollEvents.Out | EpollEvents.Error)) != 0)
            {
                int err = c.Socket.Error;
                if (err != 0)
                {
                    Finish(c, conns, error: $"connect failed: {Errno.Name(err)}");
                    return;
                }
                c.Connected = true;
            }
            if (c.Connected && c.RequestSent < _request.Length)
                SendRequest(c, ep);
            if ((ev & (EpollEvents.In | EpollEvents.ReadHangUp | EpollEvents.HangUp | EpollEvents.Error)) != 0)
                Receive(c, ep, conns);
        }
        catch (MosException e)
        {
            Finish(c, conns, error: e.Message);
        }
    }

    private void SendRequest(Conn c, Epoll ep)
    {
        int n = c.Socket.TrySend(_request.AsSpan(c.RequestSent));
        if (n > 0)
            c.RequestSent += n;
        if (c.RequestSent == _request.Length)
            ep.Modify(c.Socket, EpollEvents.In | EpollEvents.ReadHangUp, (ulong)c.Socket.Id);
    }

    private void Receive(Conn c, Epoll ep, Dictionary<int, Conn> conns)
    {
        Span<byte> buf = stackalloc byte[16384];
        while (true)
        {
            int n = c.Socket.TryReceive(buf);
            if (n < 0)
                return;
            if (n == 0)
            {
                // End of stream: complete only if the body had no length or all arrived.
                bool ok = c.Response is not null && (c.BodyLeft < 0 || c.BodyLeft == 0);
                Finish(c, conns, error: ok ? null : "connection closed before the response was complete");
                return;
            }
            if (!Consume(c, buf[..n]))
            {
                Finish(c, conns, error: "malformed response");
                return;
            }
            if (c.Response is not null && c.BodyLeft == 0)
            {
                Complete(c, ep, conns);
                return;
            }
        }
    }

    /// <summary>Feeds received bytes to the response parser; false when malformed.</summary>
    private bool Consume(Conn c, ReadOnlySpan<byte> data)
    {
        if (c.Response is null)
        {
            int room = c.Head.Length - c.HeadLen;
            int take = Math.Min(room, data.Length);
            data[..take].CopyTo(c.Head.AsSpan(c.HeadLen));
            c.HeadLen += take;
            int end = Http.HeadEnd(c.Head.AsSpan(0, c.HeadLen));
            if (end < 0)
                return c.HeadLen < c.Head.Length && take == data.Length;
            c.Response = Http.Parse(c.Head.AsSpan(0, end));
            if (c.Response is null || !c.Response.B.StartsWith('2'))
                return false;
            c.BodyLeft = c.Response.ContentLength;
            if (_opt.Output is not null && Interlocked.Exchange(ref _outputTaken, 1) == 0)
                c.Output = new FileStream(_opt.Output, FileMode.Create, FileAccess.Write);
            return Body(c, c.Head.AsSpan(end, c.HeadLen - end)) && Body(c, data[take..]);
        }
        return Body(c, data);
    }

    private bool Body(Conn c, ReadOnlySpan<byte> data)
    {
        if (c.BodyLeft >= 0 && data.Length > c.BodyLeft)
            return false; // more than Content-Length
        c.Output?.Write(data);
        c.BodyGot += data.Length;
        Interlocked.Add(ref _bytes, data.Length);
        if (c.BodyLeft > 0)
            c.BodyLeft -= data.Length;
        return true;
    }

    /// <summary>A response arrived whole: count it; reuse the connection when kept alive.</summary>
    private void Complete(Conn c, Epoll ep, Dictionary<int, Conn> conns)
    {
        bool keep = _opt.KeepAlive && Http.KeepAlive(c.Response!.A, c.Response.Field("connection"));
        if (!keep || !TakeRequest())
        {
            Finish(c, conns, error: null);
            return;
        }
        Interlocked.Increment(ref _completed);
        c.Output?.Dispose();
        c.Output = null;
        c.Response = null;
        c.HeadLen = 0;
        c.BodyGot = 0;
        c.RequestSent = 0;
        c.Deadline = Environment.TickCount64 + (long)(_opt.TimeoutSeconds * 1000);
        ep.Modify(c.Socket, EpollEvents.Out | EpollEvents.In | EpollEvents.ReadHangUp, (ulong)c.Socket.Id);
        SendRequest(c, ep);
    }

    private void Finish(Conn c, Dictionary<int, Conn> conns, string? error)
    {
        if (error is null)
            Interlocked.Increment(ref _completed);
        else
        {
            Interlocked.Increment(ref _errors);
            if (_errorSamples.Count < 20)
                _errorSamples.Enqueue(error);
        }
        c.Output?.Dispose();
        conns.Remove(c.Socket.Id);
        c.Socket.Dispose();
    }

    private void ExpireTimeouts(Dictionary<int, Conn> conns)
    {
        long now = Environment.TickCount64;
        foreach (var c in conns.Values.Where(c => now > c.Deadline).ToList())
            Finish(c, conns, error: $"timed out after {_opt.TimeoutSeconds} s");
    }
}
