"""fleet_proto_library: C++ (and optionally gRPC) code from .proto files.

Debian ships no Bazel gRPC rules, so this runs the system `protoc` and
`grpc_cpp_plugin` in a genrule. Use it only in //proto (the proto root), so
imports read `fleet/<area>/v1/x.proto` and includes `fleet/<area>/v1/x.pb.h`.
"""

def fleet_proto_library(name, srcs, deps = [], grpc = False, visibility = None):
    native.filegroup(
        name = name + "_protos",
        srcs = srcs + [d + "_protos" for d in deps],
    )
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    plugin = ""
    if grpc:
        plugin = " --grpc_out=$(GENDIR)/proto --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin"
    native.genrule(
        name = name + "_gen",
        srcs = [":" + name + "_protos"],
        outs = outs,
        cmd = ("/usr/bin/protoc -Iproto -I/usr/include --cpp_out=$(GENDIR)/proto" + plugin +
               " " + " ".join(["proto/" + s for s in srcs])),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        deps = deps + (["@sys_grpc//:lib"] if grpc else ["@sys_protobuf//:lib"]),
        visibility = visibility,
    )
