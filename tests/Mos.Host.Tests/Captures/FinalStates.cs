namespace Mos.Host.Tests.Captures;

/// <summary>The final states a connection must have, derived from what tshark counted in
/// it (connections.tsv: SYN, FIN and RST packets per direction). The mapping (also in the
/// README):
/// <list type="bullet">
/// <item>a RST either way: both sides CLOSED, end rst;</item>
/// <item>a side that sent a FIN: a state after its FIN (FIN_WAIT_1, FIN_WAIT_2, CLOSING,
/// TIME_WAIT, LAST_ACK, CLOSED), or SYN_SENT when it is a client whose SYN was never
/// answered; a side that only received one: CLOSE_WAIT;</item>
/// <item>otherwise the handshake: a client whose SYN was never answered is SYN_SENT and its
/// server SYN_RCVD; a server whose SYN/ACK is the first thing seen is SYN_RCVD; everyone
/// else (handshake seen, or picked up mid-stream) ESTABLISHED;</item>
/// <item>end: fin when FIN went both ways and both sides are TIME_WAIT or CLOSED; an
/// unanswered SYN may be ended by the client's next SYN (reused); else open.</item>
/// </list></summary>
internal static class FinalStates
{
    private static readonly string[] AfterFin = { "FIN_WAIT_1", "FIN_WAIT_2", "CLOSING", "TIME_WAIT", "LAST_ACK", "CLOSED" };

    public static (string[] Client, string[] Server, string[] End) Expected(IReadOnlyDictionary<string, string> s,
        string clientState, string serverState)
    {
        bool Has(string col) => long.Parse(s[col]) > 0;
        if (Has("rst_c2s") || Has("rst_s2c"))
            return (new[] { "CLOSED" }, new[] { "CLOSED" }, new[] { "rst" });
        bool unanswered = Has("syn_c2s") && !Has("syn_s2c");
        string[] Side(bool client)
        {
            bool sentFin = Has(client ? "fin_c2s" : "fin_s2c"), gotFin = Has(client ? "fin_s2c" : "fin_c2s");
            if (sentFin)
                return client && unanswered ? AfterFin.Append("SYN_SENT").ToArray() : AfterFin;
            if (gotFin)
                return new[] { "CLOSE_WAIT" };
            if (unanswered)
                return new[] { client ? "SYN_SENT" : "SYN_RCVD" };
            if (!client && !Has("syn_c2s") && Has("syn_s2c"))
                return new[] { "SYN_RCVD" };
            return new[] { "ESTABLISHED" };
        }
        string[] end;
        if (Has("fin_c2s") && Has("fin_s2c"))
            end = new[] { clientState is "TIME_WAIT" or "CLOSED" && serverState is "TIME_WAIT" or "CLOSED" ? "fin" : "open" };
        else
            end = unanswered ? new[] { "open", "reused" } : new[] { "open" };
        return (Side(true), Side(false), end);
    }
}
