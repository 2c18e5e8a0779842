using System.Text;

namespace Mos.Host.Apps;

/// <summary>The small part of HTTP/1.x the apps speak: request and response heads.</summary>
public static class Http
{
    /// <summary>Index just past the blank line ending a head, or -1 if not complete yet.</summary>
    public static int HeadEnd(ReadOnlySpan<byte> buf)
    {
        int i = buf.IndexOf("\r\n\r\n"u8);
        return i < 0 ? -1 : i + 4;
    }

    /// <summary>A parsed head: first line split in three, header fields (names lower-cased).</summary>
    public sealed record Head(string A, string B, string C, Dictionary<string, string> Fields)
    {
        public long ContentLength => Fields.TryGetValue("content-length", out var v) && long.TryParse(v, out long n) && n >= 0 ? n : -1;

        public string? Field(string name) => Fields.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>Parses a head (request or response); null when malformed.</summary>
    public static Head? Parse(ReadOnlySpan<byte> head)
    {
        string text;
        try
        {
            text = Encoding.ASCII.GetString(head);
        }
        catch (ArgumentException)
        {
            return null;
        }
        var lines = text.Split("\r\n");
        var first = lines[0].Split(' ', 3);
        if (first.Length < 2)
            return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0)
                continue;
            int colon = line.IndexOf(':');
            if (colon <= 0)
                return null;
            fields[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return new Head(first[0], first[1], first.Length > 2 ? first[2] : "", fields);
    }

    /// <summary>Whether the connection stays open after this exchange (RFC 9112 §9.3).</summary>
    public static bool KeepAlive(string version, string? connection)
    {
        if (connection is not null)
        {
            if (connection.Contains("close", StringComparison.OrdinalIgnoreCase))
                return false;
            if (connection.Contains("keep-alive", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return version == "HTTP/1.1";
    }

    public static string Date() => DateTime.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses "http://a.b.c.d[:port]/path" (also mOS epwget's "a.b.c.d/path").</summary>
    public static (System.Net.IPEndPoint Server, string Host, string Path) ParseUrl(string url)
    {
        string rest = url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? url[7..] : url;
        int slash = rest.IndexOf('/');
        string hostPort = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? "/" : rest[slash..];
        int port = 80;
        string host = hostPort;
        int colon = hostPort.LastIndexOf(':');
        if (colon > 0)
        {
            host = hostPort[..colon];
            if (!int.TryParse(hostPort[(colon + 1)..], out port) || port <= 0 || port > 65535)
                throw new FormatException($"bad port in URL '{url}'");
        }
        if (!System.Net.IPAddress.TryParse(host, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new FormatException($"the URL needs an IPv4 address (no DNS in the stack): '{url}'");
        return (new System.Net.IPEndPoint(ip, port), hostPort, path);
    }
}
