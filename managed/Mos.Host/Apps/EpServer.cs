using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Mos.Host.Apps;

/// <summary>Options of the static-file HTTP/1.1 server.</summary>
public sealed record EpServerOptions(string Root, int Port, int Cores, int Backlog = 4096);

/// <summary>epserver: a static-file HTTP/1.1 server on the mOS-NG end-host stack. One
/// thread per core, each driving its own run-to-completion context through epoll; keep-
/// alive and pipelining; GET/HEAD serve files from the root (cached in memory); PUT/POST
/// read the body and answer its SHA-256 (used to verify uploads).</summary>
public sealed class EpServer
{
    private readonly EpServerOptions _opt;
    private readonly ConcurrentDictionary<string, byte[]?> _files = new(StringComparer.Ordinal);
    private long _requests, _uploadBytes;

    public EpServer(EpServerOptions opt) => _opt = opt;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Serves on every core until the stack stops (Ctrl-C).</summary>
    public void Run(Stack stack, TextWriter log)
    {
        var threads = new List<Thread>();
        var errors = new ConcurrentQueue<Exception>();
        for (int core = 0; core < _opt.Cores; core++)
        {
            int c = core;
            var t = new Thread(() =>
            {
                try { ServeCore(stack, c); }
                catch (Exception e) { errors.Enqueue(e); stack.Stop(); }
            }) { Name = $"epserver-{c}", IsBackground = true };
            t.Start();
            threads.Add(t);
        }
        foreach (var t in threads)
            t.Join();
        if (errors.TryDequeue(out var first))
            throw first;
        log.WriteLine($"epserver: {Requests} requests served, {_uploadBytes} upload bytes received");
    }

    private void ServeCore(Stack stack, int core)
    {
        using var ctx = stack.CreateContext(core, runToCompletion: true);
        using var listener = ctx.CreateTcpSocket();
        listener.Blocking = false;
        listener.Bind(new IPEndPoint(IPAddress.Any, _opt.Port));
        listener.Listen(_opt.Backlog);
        using var ep = ctx.CreateEpoll(65536);
        ep.Add(listener, EpollEvents.In, (ulong)listener.Id);
        var conns = new Dictionary<int, Conn>();
        var events = new EpollEvent[256];
        try
        {
            while (true)
            {
                int n = ep.Wait(events, 100);
                if (n < 0)
                    break;
                for (int i = 0; i < n; i++)
                {
                    if ((int)events[i].Data == listener.Id)
                        AcceptAll(listener, ep, conns);
                    else if (conns.TryGetValue((int)events[i].Data, out var conn))
                        Handle(conn, events[i].Events, ep, conns);
                }
            }
        }
        finally
        {
            foreach (var c in conns.Values)
                c.Socket.Dispose();
        }
    }

    private static void AcceptAll(TcpSocket listener, Epoll ep, Dictionary<int, Conn> conns)
    {
        while (listener.Accept() is { } s)
        {
            s.Blocking = false;
            conns[s.Id] = new Conn(s);
            ep.Add(s, EpollEvents.In | EpollEvents.ReadHangUp, (ulong)s.Id);
        }
    }

    /// <summary>One client connection: input buffer, request in progress, response being sent.</summary>
    private sealed class Conn(TcpSocket socket)
    {
        public TcpSocket Socket { get; } = socket;
        public byte[] In = new byte[16384];
        public int InLen;
        public Http.Head? Upload;          // request whose body is being read
        public long UploadLeft;
        public IncrementalHash? UploadHash;
        public readonly Queue<ReadOnlyMemory<byte>> Out = new();
        public ReadOnlyMemory<byte> Sending; // the part of the current chunk not yet sent
        public bool HasOutput => Sending.Length > 0 || Out.Count > 0;
        public bool CloseAfter;
        public bool WantOut;
    }

    private void Handle(Conn c, EpollEvents ev, Epoll ep, Dictionary<int, Conn> conns)
    {
        bool open = true;
        if ((ev & (EpollEvents.In | EpollEvents.ReadHangUp | EpollEvents.HangUp | EpollEvents.Error)) != 0)
            open = ReadAndServe(c);
        if (open)
            open = Flush(c, ep);
        if (!open || (c.CloseAfter && !c.HasOutput))
        {
            conns.Remove(c.Socket.Id);
            c.Socket.Dispose();
        }
    }

    /// <summary>Reads what is available and answers complete requests; false when the
    /// connection is finished (peer closed, error, bad request).</summary>
    private bool ReadAndServe(Conn c)
    {
        while (true)
        {
            if (c.InLen == c.In.Length)
            {
                if (c.Upload is null && Http.HeadEnd(c.In.AsSpan(0, c.InLen)) < 0 && c.In.Length >= 65536)
                    return Reply(c, 431, "Request Header Fields Too Large", close: true);
                Array.Resize(ref c.In, c.In.Length * 2);
            }
            int n;
            try { n = c.Socket.TryReceive(c.In.AsSpan(c.InLen)); }
            catch (MosException) { return false; }
            if (n == 0)
                return false;
            if (n < 0)
                return true;
            c.InLen += n;
            if (!Process(c))
                return true;
        }
    }

    /// <summary>Consumes buffered requests; false when the connection must stop reading.</summary>
    private bool Process(Conn c)
    {
        int pos = 0;
        while (!c.CloseAfter)
        {
            if (c.Upload is not null)
            {
                int take = (int)Math.Min(c.UploadLeft, c.InLen - pos);
                c.UploadHash!.AppendData(c.In, pos, take);
                pos += take;
                c.UploadLeft -= take;
                Interlocked.Add(ref _uploadBytes, take);
                if (c.UploadLeft > 0)
                    break;
                FinishUpload(c);
                continue;
            }
            int end = Http.HeadEnd(c.In.AsSpan(pos, c.InLen - pos));
            if (end < 0)
                break;
            var head = Http.Parse(c.In.AsSpan(pos, end));
            pos += end;
            Serve(c, head);
        }
        Buffer.BlockCopy(c.In, pos, c.In, 0, c.InLen - pos);
        c.InLen -= pos;
        return !c.CloseAfter;
    }

    private void Serve(Conn c, Http.Head? head)
    {
        Interlocked.Increment(ref _requests);
        if (head is null || !head.C.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            Reply(c, 400, "Bad Request", close: true);
            return;
        }
        bool keep = Http.KeepAlive(head.C, head.Field("connection"));
        switch (head.A)
        {
            case "GET":
            case "HEAD":
                ServeFile(c, head, keep);
                break;
            case "PUT":
            case "POST":
                StartUpload(c, head, keep);
                break;
            default:
                Reply(c, 405, "Method Not Allowed", close: !keep);
                break;
        }
    }

    private void ServeFile(Conn c, Http.Head head, bool keep)
    {
        byte[]? body = Load(head.B);
        if (body is null)
        {
            Reply(c, 404, "Not Found", close: !keep);
            return;
        }
        c.Out.Enqueue(Header(200, "OK", body.Length, keep, "application/octet-stream"));
        if (head.A == "GET")
            c.Out.Enqueue(body);
        c.CloseAfter |= !keep;
    }

    private void StartUpload(Conn c, Http.Head head, bool keep)
    {
        long len = head.ContentLength;
        if (len < 0)
        {
            Reply(c, 411, "Length Required", close: true);
            return;
        }
        c.Upload = head;
        c.UploadLeft = len;
        c.UploadHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        c.CloseAfter = false;
        if (len == 0)
            FinishUpload(c);
        _ = keep;
    }

    private static void FinishUpload(Conn c)
    {
        var head = c.Upload!;
        bool keep = Http.KeepAlive(head.C, head.Field("connection"));
        byte[] body = Encoding.ASCII.GetBytes(Convert.ToHexString(c.UploadHash!.GetHashAndReset()).ToLowerInvariant() + "\n");
        c.UploadHash.Dispose();
        c.Upload = null;
        c.UploadHash = null;
        c.Out.Enqueue(Header(200, "OK", body.Length, keep, "text/plain"));
        c.Out.Enqueue(body);
        c.CloseAfter |= !keep;
    }

    private static bool Reply(Conn c, int status, string reason, bool close)
    {
        byte[] body = Encoding.ASCII.GetBytes($"{status} {reason}\n");
        c.Out.Enqueue(Header(status, reason, body.Length, !close, "text/plain"));
        c.Out.Enqueue(body);
        c.CloseAfter |= close;
        return true;
    }

    private static byte[] Header(int status, string reason, long length, bool keep, string type) =>
        Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {reason}\r\nDate: {Http.Date()}\r\nServer: mos-epserver\r\n" +
            $"Content-Type: {type}\r\nContent-Length: {length}\r\nConnection: {(keep ? "keep-alive" : "close")}\r\n\r\n");

    /// <summary>The file under the root for a request path, cached; null if absent or
    /// outside the root.</summary>
    private byte[]? Load(string target)
    {
        string path = Uri.UnescapeDataString(target.Split('?', 2)[0]);
        if (path.EndsWith('/'))
            path += "index.html";
        return _files.GetOrAdd(path, p =>
        {
            string root = Path.GetFullPath(_opt.Root);
            string full = Path.GetFullPath(Path.Combine(root, p.TrimStart('/')));
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
                return null;
            return File.ReadAllBytes(full);
        });
    }

    /// <summary>Sends queued output; false on a broken connection.</summary>
    private static bool Flush(Conn c, Epoll ep)
    {
        while (c.HasOutput)
        {
            if (c.Sending.Length == 0)
                c.Sending = c.Out.Dequeue();
            int n;
            try { n = c.Socket.TrySend(c.Sending.Span[..Math.Min(c.Sending.Length, 1 << 20)]); }
            catch (MosException) { return false; }
            if (n < 0)
                break;
            c.Sending = c.Sending[n..];
        }
        bool want = c.HasOutput;
        if (want != c.WantOut)
        {
            ep.Modify(c.Socket, EpollEvents.In | EpollEvents.ReadHangUp | (want ? EpollEvents.Out : 0), (ulong)c.Socket.Id);
            c.WantOut = want;
        }
        return true;
    }
}
