/** Node-only entry points: capture files, the running kernel's BTF and tracefs, loading on any backend. */
export { fileChunks, openCapture, readCaptureFile, writeCaptureFile } from './pcap/node-file.js';
export { loadTargetBtf, VMLINUX_BTF_PATH } from './btf/core-node.js';
export { tracefsFormats } from './vm/tracefs-node.js';
export { type AnyLoadCollectionOptions, loadCollection } from './collection-node.js';
