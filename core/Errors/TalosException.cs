namespace Talos.Core.Errors;

/// <summary>
/// The one error taxonomy of the project (STYLE.md §11). Each subclass lives in its own file and carries
/// data; <see cref="Code"/> maps to a gRPC status in exactly one place (machined's exception interceptor).
/// Messages say what happened and what to do next.
/// </summary>
public abstract class TalosException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    protected TalosException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The category of the failure; machined maps it to a gRPC status code.</summary>
    public abstract ErrorCode Code { get; }

    /// <summary>True when retrying the same operation later may succeed (e.g. a registry or store outage).</summary>
    public virtual bool IsTransient => false;
}

/// <summary>Error categories; names follow gRPC status codes so the mapping is one-to-one.</summary>
public enum ErrorCode
{
    /// <summary>Bad input from the caller (maps to InvalidArgument).</summary>
    InvalidArgument,
    /// <summary>Something named does not exist (NotFound).</summary>
    NotFound,
    /// <summary>Something to be created already exists (AlreadyExists).</summary>
    AlreadyExists,
    /// <summary>The node is not in a state that allows the operation (FailedPrecondition).</summary>
    FailedPrecondition,
    /// <summary>The caller's role does not allow the operation (PermissionDenied).</summary>
    PermissionDenied,
    /// <summary>Stored data failed a checksum or chain check (DataLoss).</summary>
    DataLoss,
    /// <summary>A dependency is temporarily unreachable (Unavailable).</summary>
    Unavailable,
    /// <summary>A fixed-size area is full (ResourceExhausted).</summary>
    ResourceExhausted,
    /// <summary>The operation was cancelled (Cancelled).</summary>
    Cancelled,
    /// <summary>A bug or an unexpected failure (Internal).</summary>
    Internal,
}
