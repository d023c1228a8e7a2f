console.log('tsbpf');
