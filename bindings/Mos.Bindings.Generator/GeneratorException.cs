namespace Mos.Bindings.Generator;

/// <summary>A problem that stops generation; its message is printed without a stack
/// trace and the generator exits with status 2.</summary>
public sealed class GeneratorException(string message) : Exception(message);
